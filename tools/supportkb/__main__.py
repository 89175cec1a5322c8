from __future__ import annotations

from supportkb.cli.main import main

if __name__ == "__main__":
    main()
