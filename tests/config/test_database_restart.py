"""PostgreSQL going away under the running web server (gunicorn, persistent
connections): while it is unreachable, requests fail cleanly and fast (503,
no hanging, no traceback); once it is back, service resumes by itself,
without restarting anything.

The restart is played by a TCP relay between gunicorn and the test's
PostgreSQL: stopping it drops every open connection and refuses new ones,
as a restarting server does; starting it again lets connections through."""

import contextlib
import socket
import subprocess
import threading
import time

import pytest
from django.conf import settings

from .test_processes import BIN, ROOT, fetch, free_port, production_env

pytestmark = pytest.mark.django_db(transaction=True)


class Relay:
    """localhost:port -> PostgreSQL, which can be cut and restored."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.listener = None
        self.connections: list[socket.socket] = []

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self):
        # shutdown() wakes the accepting thread; close() alone would not.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for conn in self.connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self.connections.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.connections += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def test_requests_fail_cleanly_while_the_database_is_away_and_recover(tmp_path):
    db = settings.DATABASES["default"]
    relay = Relay((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    relay.start()
    env = production_env(
        CONN_MAX_AGE="600",  # persistent connections: the hard case
        STATIC_ROOT=str(tmp_path / "static"),
    )
    env["DATABASE_URL"] = f"postgres://{db['USER']}@127.0.0.1:{relay.port}/{db['NAME']}"
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
    )
    https = {"X-Forwarded-Proto": "https"}
    try:
        for _ in range(100):
            try:
                status, body = fetch(port, "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200, body
        # A page that reads the database (an unknown certificate code: 404).
        assert fetch(port, "/verify/NO-SUCH-CODE/", **https)[0] == 404

        relay.stop()  # the database goes away
        started = time.monotonic()
        status, body = fetch(port, "/verify/NO-SUCH-CODE/", **https)
        assert status == 503
        assert "数据库暂时无法连接" in body.decode()
        status, body = fetch(port, "/healthz")
        assert status == 503 and b'"unhealthy"' in body
        assert time.monotonic() - started < 10, "failing must be quick, not hang"

        relay.start()  # back, on the same address
        for _ in range(50):
            status, body = fetch(port, "/healthz")
            if status == 200:
                break
            time.sleep(0.2)
        assert status == 200, body
        assert fetch(port, "/verify/NO-SUCH-CODE/", **https)[0] == 404
        assert server.poll() is None, "the web server kept running"
    finally:
        server.terminate()
        server.wait(timeout=20)
        relay.stop()
