from reviewer.launch import main

raise SystemExit(main())
