from allhub_core.cli.main import run

run()
