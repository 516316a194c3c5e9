from listkeeper.cli import run

run()
