from hub_config.launch import main

main()
