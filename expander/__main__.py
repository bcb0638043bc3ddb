from expander.cli import main

raise SystemExit(main())
