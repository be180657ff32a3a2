from wallet._entry import main

raise SystemExit(main())
