from __future__ import annotations

from supportkb.cli import main

if __name__ == "__main__":
    main()
