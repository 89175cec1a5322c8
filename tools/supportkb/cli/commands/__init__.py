"""One module per `kb` subcommand."""
