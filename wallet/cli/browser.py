"""``wallet idp proxy``: write the browser IdP proxy (wallet.browser.proxy) under a site root, atomically;
``wallet browser-signer``: the loopback endpoint its generateAssertion calls (wallet.browser.signer), which asks
the user on this terminal before each signature."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.assertions.sdp import Fingerprint
    from wallet.cli._args import BrowserSignerArgs, IdpProxyArgs
    from wallet.facade import Issued, Plan, Wallet

from wallet.cli.common import unlock_wallet
from wallet.cli.output import Output
from wallet.errors import WalletError


def proxy(a: IdpProxyArgs) -> None:
    import os

    from wallet.browser.proxy import PROXY_PATH, render
    from wallet.errors import AlreadyExists, FileError
    from wallet.storage.files import StagedFile

    root = os.path.expanduser(a["output"])
    trust = None
    if a["trust"] is not None:
        from wallet.endorsements.trust import TrustStore

        trust = TrustStore.load(os.path.expanduser(a["trust"]), missing_ok=False)
    script = render(domain=a["domain"], audiences=a["audience"], trust=trust, signer_port=a["signer_port"])  # usage errors before any write
    if not os.path.isdir(root):
        raise FileError(f"no such directory {root}", hint="give the root directory of the site to serve (mkdir it first)")
    target = os.path.join(root, *PROXY_PATH.split("/"))
    staged = StagedFile(target, replace=a["force"])
    if os.path.lexists(target) and not a["force"]:
        raise AlreadyExists(f"{target} already exists", hint="add --force to replace it")
    parent = os.path.dirname(target)
    for made in (os.path.join(root, ".well-known"), parent):
        if os.path.islink(made) or (os.path.lexists(made) and not os.path.isdir(made)):
            raise FileError(f"refusing to write under {made}: it is not a directory", hint="remove it, or give another DIR")
    for made in (os.path.join(root, ".well-known"), parent):  # the umask would narrow os.makedirs' mode
        try:
            os.mkdir(made, 0o755)
        except FileExistsError:
            continue
        except OSError as exc:
            raise FileError(f"cannot create {made}: {exc.strerror}") from None
        os.chmod(made, 0o755)  # made here: reachable by the web server, whoever it runs as
    try:
        staged.write(script)
        os.chmod(staged.staged_path, 0o644)  # served to anyone: it holds public keys only
        staged.commit()
    except FileExistsError:
        raise AlreadyExists(f"{target} appeared while writing", hint="add --force to replace it") from None
    finally:
        staged.discard()
    out = Output(a["json_out"])
    out.notice(f"serve {root} at https://{a['domain']}/ (the script as application/javascript); offers signed with "
               f"'wallet sign-sdp --idp-domain {a['domain']}' then validate in Firefox")
    signer = None if a["signer_port"] is None else f"http://127.0.0.1:{a['signer_port']}/sign"
    out.product({"file": target, "domain": a["domain"], "path": "/" + PROXY_PATH, "bytes": len(script),
                 "signer": signer}, target)


def signer(a: BrowserSignerArgs) -> None:
    """``wallet browser-signer``: unlock once, then serve the loopback endpoint (wallet.browser.signer) until
    Ctrl-C, asking on this terminal before each signature."""
    import threading

    from wallet.browser.proxy import check_idp_domain
    from wallet.browser.signer import Endpoint
    from wallet.destination import normalize_destination
    from wallet.errors import FileError, UsageError
    from wallet.vocabulary import MAX_TTL

    if not 0 <= a["port"] <= 65535:
        raise UsageError(f"--port {a['port']} is not a TCP port", hint="1-65535 (0: any free port)")
    if not 1 <= a["prompt_timeout"] <= 600:
        raise UsageError("--prompt-timeout must be 1-600 seconds")
    if not 1 <= a["ttl"] <= MAX_TTL:
        raise UsageError(f"--ttl must be 1-{MAX_TTL} seconds")
    origins = ["https://" + check_idp_domain(d) for d in a["domain"]]
    unattended = {normalize_destination(o) for o in a["dangerous_approve_for"] or []}
    terminal = _Terminal.open()
    if terminal is None and not unattended:
        raise UsageError("browser-signer asks before each signature and this process has no terminal",
                         hint="run it in a terminal (its controlling tty is where it asks)")
    wallet = unlock_wallet(a["passphrase_file"])
    ask = _Asker(wallet, terminal, timeout=a["prompt_timeout"], ttl=a["ttl"], unattended=unattended,
                 domains=a["domain"])
    try:
        endpoint = Endpoint(a["port"], idp_origins=origins, sign=ask.sign, log=ask.log)
    except OSError as exc:
        raise FileError(f"cannot listen on 127.0.0.1:{a['port']}: {exc.strerror or type(exc).__name__}",
                        hint="choose another --port (and write the proxy with --signer-port PORT)") from None
    _log(f"listening on http://127.0.0.1:{endpoint.port}/sign for the proxy of {', '.join(origins)}; "
         + ("each request is asked about on this terminal" if terminal is not None else "no terminal")
         + ("".join(f"; DANGER: signs for {o} without asking" for o in sorted(unattended))) + "; Ctrl-C stops")
    thread = threading.Thread(target=endpoint.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    try:
        ask.serve()
    except KeyboardInterrupt:
        _log("stopped (Ctrl-C); nothing more is signed")
    finally:
        endpoint.shutdown()
        endpoint.server_close()
        wallet.wipe()


def _log(message: str) -> None:
    import sys

    from wallet.text import for_terminal

    sys.stderr.write(f"wallet browser-signer: {for_terminal(message)}\n")
    sys.stderr.flush()


#: Seconds a question is on screen before a key counts as its answer.
READ_S = 0.75


class _Terminal:
    """The controlling terminal of this process: where the questions go and the answers come from."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    @classmethod
    def open(cls) -> _Terminal | None:
        import os

        try:
            return cls(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC))
        except OSError:
            return None

    def ask(self, question: str, timeout: float) -> str | None:
        """Write ``question``; the line typed within ``timeout`` seconds (typed-ahead input is dropped first: an
        answer counts only after the question is shown), or None."""
        import os
        import select
        import termios
        import time

        try:
            termios.tcflush(self.fd, termios.TCIFLUSH)
        except termios.error:
            pass
        os.write(self.fd, question.encode("utf-8", "replace"))
        deadline = time.monotonic() + timeout
        # Nobody reads a question in under READ_S: a key pressed before then (for the previous question, at its
        # deadline) is dropped, never taken as the answer to this one.
        unread = time.monotonic() + min(READ_S, timeout / 2)
        while (left := unread - time.monotonic()) > 0:
            if select.select([self.fd], [], [], left)[0] and not os.read(self.fd, 256):
                return ""
        try:
            termios.tcflush(self.fd, termios.TCIFLUSH)  # also a line half typed in that time (canonical mode)
        except termios.error:
            pass
        typed = b""
        while b"\n" not in typed and len(typed) < 256:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.fd, 256)
            if not chunk:
                return ""
            typed += chunk
        return typed.split(b"\n", 1)[0].decode("utf-8", "replace").strip()

    def say(self, text: str) -> None:
        import os

        os.write(self.fd, text.encode("utf-8", "replace"))


class _Asker:
    """Plans, asks and signs, one request at a time, in the main thread (the wallet's records are not shared
    across threads); the endpoint's handler threads hand requests over and wait for the outcome."""

    def __init__(self, wallet: Wallet, terminal: _Terminal | None, *, timeout: int, ttl: int, unattended: set[str],
                 domains: list[str]) -> None:
        import queue

        self.wallet, self.terminal, self.timeout, self.ttl = wallet, terminal, timeout, ttl
        self.unattended, self.domains = unattended, domains
        self.jobs: queue.Queue[_Job] = queue.Queue(maxsize=1)
        #: While a question waits for its answer nothing else is written to the terminal (a flood of
        #: refused requests must not push the question off screen); what was held is counted, then said.
        self.asking = False
        self.held = 0

    def log(self, message: str) -> None:
        """The endpoint's log: held while the user is being asked."""
        if self.asking:
            self.held += 1
            return
        _log(message)

    def _ask(self, question: str) -> str | None:
        assert self.terminal is not None
        self.asking = True
        try:
            return self.terminal.ask(question, self.timeout)
        finally:
            self.asking = False
            if self.held:
                _log(f"{self.held} other request{'s were' if self.held != 1 else ' was'} refused or dropped while "
                     "you were asked")
                self.held = 0

    def sign(self, origin: str, fingerprints: list[Fingerprint]) -> str:
        """In a handler thread: hand the request to the main thread and wait for its outcome."""
        from wallet.errors import Declined

        job = _Job(origin, fingerprints)
        self.jobs.put(job, timeout=5)
        if not job.done.wait(self.timeout + 30):
            raise Declined("the signer did not decide in time")
        if job.error is not None:
            raise job.error
        assert job.token is not None
        return job.token

    def serve(self) -> None:
        import queue

        while True:
            try:
                job = self.jobs.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                job.token = self._decide(job.origin, job.fingerprints)
            except WalletError as err:
                job.error = err
            except Exception as exc:  # noqa: BLE001 - one request's failure never ends the endpoint
                from wallet.errors import InternalError

                job.error = InternalError(f"signing failed ({type(exc).__name__})")
            finally:
                job.done.set()

    def _decide(self, origin: str, fingerprints: list[Fingerprint]) -> str:
        """As sign-sdp --to ORIGIN plans, checks and signs; recorded and returned only once the user said yes."""
        from wallet.cli.assertions import _check_output, _linkability, _plan, _sign
        from wallet.errors import Declined

        plan = _plan(self.wallet, origin, persona=None, state=None, disclose=None, service=None, model=None,
                     context=([], None))
        if plan.outcome.state == "undetectable":
            _log(f"{origin} asked for an identity; your rules make calls there undetectable: refused without asking"
                 f" (answered as an unanswered question would be, in {self.timeout} s)")
            import time

            time.sleep(self.timeout)  # as late as a question nobody answered: no tell that a rule decided it
            raise Declined(f"the wallet's rules send no identity to {origin} (undetectable)")
        from wallet.browser.proxy import check_browser_call

        check_browser_call(plan.destination, plan.outcome.origin)  # never sign what the proxy would refuse
        traits = _linkability(self.wallet, plan, b"", fingerprints, None)
        issued = _sign(self.wallet, plan, fingerprints, self.ttl, "browser-signer")
        _check_output(issued, issued.token.encode(), fingerprints)
        summary = describe(issued, plan, fingerprints, self.domains)
        if origin in self.unattended:
            _log(f"signed WITHOUT ASKING (--dangerous-approve-for {origin}): {summary}")
        else:
            assert self.terminal is not None
            answer = self._ask(f"\n{summary}\nSign? [y/N] (refused in {self.timeout} s) ")
            if answer is None:
                self.terminal.say(f"\nno answer in {self.timeout} s: refused\n")
                _log(f"refused for {origin}: no answer in {self.timeout} s")
                raise Declined(f"the user did not answer in {self.timeout} s")
            if answer.lower() not in ("y", "yes"):
                self.terminal.say("refused\n")
                _log(f"refused for {origin}: the user said no")
                raise Declined("the user refused")
        self.wallet.record(issued, seen=traits)  # in the ledger before it leaves (as sign-sdp does)
        if origin not in self.unattended:
            _log(f"signed for {origin} as {issued.entry['id']} ({issued.entry['state']})")
        return issued.token


class _Job:
    def __init__(self, origin: str, fingerprints: list[Fingerprint]) -> None:
        import threading

        self.origin, self.fingerprints = origin, fingerprints
        self.done = threading.Event()
        self.token: str | None = None
        self.error: WalletError | None = None


def describe(issued: Issued, plan: Plan, fingerprints: list[Fingerprint], domains: list[str]) -> str:
    """The question's facts: the site, who signs, the state, what is disclosed, which DTLS fingerprints."""
    from wallet.cli.output import claim_text
    from wallet.text import for_terminal

    entry = issued.entry
    disclosed = ", ".join(f"{k}={v}" for k, v in entry["disclosed"].items()) or "nothing"
    endorsed = "".join(f"; endorsed by {e['issuer']} showing "
                       + (", ".join(f"{k}={claim_text(v)}" for k, v in e["claims"].items()) or "no claim")
                       for e in entry.get("endorsements", []))
    default = " (a built-in default: no rule of yours matched)" if plan.outcome.default_used else ""
    lines = [
        f"A page of {entry['destination']} asks Firefox for your identity (through the IdP proxy of "
        f"{' or '.join(domains)}).",
        f"  site:      {entry['destination']}",
        f"  persona:   {entry['persona']}",
        f"  state:     {entry['state']} ({entry['scope']} key)",
        f"  identity:  {entry['id']}",
        f"  discloses: {disclosed}{endorsed}",
        f"  decided by {plan.intent.source}{default}",
        "  binds:     " + "; ".join(fp.line() for fp in fingerprints),
        "Only say y if you just started a call on that site.",
    ]
    return "\n".join(for_terminal(line) for line in lines)
