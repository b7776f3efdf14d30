"""A fake SMTP server on loopback for the mail tests: just enough SMTP to accept messages."""

import socket
import socketserver
import threading
import time


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.strip().split(b" ")[0].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 test\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                # A little slowness, when asked for, makes concurrent senders overlap.
                time.sleep(self.server.delay)
                with self.server.lock:
                    self.server.messages.append(data.decode("utf-8", "replace"))
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class FakeSMTPServer(socketserver.ThreadingTCPServer):
    """Serves in a daemon thread from `start()`; `messages` holds what it accepted."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, delay=0.0):
        super().__init__(("127.0.0.1", port), _SMTPHandler)
        self.messages, self.lock, self.delay = [], threading.Lock(), delay

    def start(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
