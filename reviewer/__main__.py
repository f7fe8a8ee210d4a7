from reviewer.app import main

raise SystemExit(main())
