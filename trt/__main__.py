from trt.cli import main

raise SystemExit(main())
