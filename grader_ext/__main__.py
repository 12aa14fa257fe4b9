from grader_ext.app import main

main()
