"""moto server, one request at a time.

moto's DynamoDB TransactWriteItems is not isolated from concurrent requests: a transaction that
fails restores a snapshot of the table taken when it started, silently erasing what other
requests committed meanwhile (and the snapshot itself can crash with "dictionary changed size
during iteration"). DynamoDB's transactions are serializable, so the emulator must be too:
this runs moto's own application on a single-threaded server. Usage: moto_serial.py HOST PORT
"""

import os
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault("MOTO_PORT", str(port))
app = DomainDispatcherApplication(create_backend_app)
# Not threaded: Werkzeug then answers HTTP/1.0 and closes each connection, so no client can
# hold the server with a keep-alive connection.
run_simple(host, port, app, threaded=False, request_handler=MotoRequestHandler)
