from grading_service.app import main

main()
