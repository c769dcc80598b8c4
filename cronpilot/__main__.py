from cronpilot.cli import main

main()
