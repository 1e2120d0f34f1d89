"""CloudFormation's pre-signed response URLs for custom resources, stood in for by an HTTPS listener on loopback.

In AWS a custom resource's request carries ``ResponseURL``, "a presigned S3 bucket that receives responses
from the custom resource provider" (User Guide, "Create request for CloudFormation custom resources"), and
the provider answers with one PUT of a JSON body. Here the URL is HTTPS on 127.0.0.1 with a path that
names the stack, resource and request as AWS's key does, signed with a key of this process
(``X-Amz-Signature``), served with a certificate made when the listener starts. The functions' processes
trust that certificate alone (lambda_runtime.py sets SSL_CERT_FILE), so the catalog's answer code runs
unchanged, its refusal of anything but https included. A PUT to a URL this listener did not issue, or a
second answer to one request, gets S3's 403. What the answer says is read by custom_resources.py.
"""

import datetime
import hashlib
import hmac
import http.server
import ipaddress
import secrets
import ssl
import tempfile
import threading
import urllib.parse
from pathlib import Path

RESPONSE_BUCKET = "cloudformation-custom-resource-response-{region}"
MAX_BODY_BYTES = 1024 * 1024  # read no more than this of a PUT (the answer itself may be 4096 bytes)


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cryptography ships with moto[server]); (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "local AWS custom resource responses")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "responses.pem", directory / "responses.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class ResponseEndpoint:
    """Issues response URLs and keeps the one answer each may receive."""

    def __init__(self):
        self._directory = Path(tempfile.mkdtemp(prefix="cfn-responses-"))
        self.certificate, key = _certificate(self._directory)
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._issued: dict[str, str] = {}  # path -> request id, until answered
        self._answers: dict[str, bytes] = {}  # request id -> the PUT's body
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificate, key)
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True, name="cfn-responses").start()

    def _signature(self, path: str) -> str:
        return hmac.new(self._key, path.encode(), hashlib.sha256).hexdigest()

    def issue(self, region: str, stack_id: str, logical_id: str, request_id: str) -> str:
        """The ResponseURL of one request: bucket and key as AWS names them, signed."""
        key = urllib.parse.quote(f"{stack_id}|{logical_id}|{request_id}", safe="")
        path = f"/{RESPONSE_BUCKET.format(region=region.replace('-', ''))}/{key}"
        with self._lock:
            self._issued[path] = request_id
        query = urllib.parse.urlencode({"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-SignedHeaders": "host",
                                        "X-Amz-Signature": self._signature(path)})
        return f"https://127.0.0.1:{self.port}{path}?{query}"

    def receive(self, path: str, query: str, body: bytes) -> bool:
        """Keep the answer to an issued, unanswered URL whose signature holds; False otherwise."""
        signature = urllib.parse.parse_qs(query).get("X-Amz-Signature", [""])[0]
        with self._lock:
            if path not in self._issued or not hmac.compare_digest(signature, self._signature(path)):
                return False
            self._answers[self._issued.pop(path)] = body
        return True

    def take(self, request_id: str) -> bytes | None:
        """The answer to a request, once; None if none came."""
        with self._lock:
            return self._answers.pop(request_id, None)


def _handler_class(endpoint: ResponseEndpoint):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PUT(self):  # noqa: N802 - http.server's naming
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY_BYTES)
            path, _, query = self.path.partition("?")
            accepted = endpoint.receive(path, query, self.rfile.read(length))
            self.send_response(200 if accepted else 403)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args):  # noqa: A002 - quiet: the stack's events tell what happened
            pass

    return Handler


_ENDPOINT: ResponseEndpoint | None = None
_ENDPOINT_LOCK = threading.Lock()


def endpoint() -> ResponseEndpoint:
    """This process's listener, started on first use."""
    global _ENDPOINT
    with _ENDPOINT_LOCK:
        if _ENDPOINT is None:
            _ENDPOINT = ResponseEndpoint()
        return _ENDPOINT
