"""The command-line interface, declared once with typer: names, arguments, options, help.

    >>> from wallet.cli.commands import ORDER, IMPLEMENTATIONS
    >>> ORDER[:3], IMPLEMENTATIONS["persona add"]
    (('init', 'status', 'persona'), 'wallet.cli.persona:add')

Each declaration is a signature and a docstring, written here once by hand:
the only list of a command's parameters. wallet.cli.docgen derives everything
else from it: the man page, the completion scripts, wallet/_cli_spec.py (from
which wallet.cli.fast parses well-formed command lines without importing
typer, docs/performance.md) and wallet/cli/_args.py, which holds one TypedDict
per command and the typed call into its implementation (a typer-free module
named by :func:`implemented_by`). mypy checks those calls and every use of a
parameter inside an implementation; a test fails when a generated file drifts.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer

from wallet.cli.agent.command import AgentAction
from wallet.cli.completion import Shell
from wallet.cli.output import AssertionFormat
from wallet.vocabulary import (
    DEFAULT_TTL,
    MAX_TTL,
    ON_CONFLICT,
    CallModel,
    Category,
    KeyScope,
    LinkableChoice,
    OriginChoice,
    PersonaKind,
    PrivacyState,
    ServiceType,
    StoreKind,
    StoreTarget,
)


StoreOpt = Annotated[
    StoreKind,
    typer.Option(
        "--store",
        help="Where the GUID and master secret live. auto: the OS keyring if a real one is usable, else an encrypted file.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object (stable keys: see JSON OUTPUT in man wallet).")]
PassphraseFileOpt = Annotated[
    Optional[str],
    typer.Option(
        "--passphrase-file",
        metavar="PATH",
        help="Read the file store's passphrase from PATH ('-' = stdin). Default: $WALLET_PASSPHRASE_FILE, else prompt on a TTY.",
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (needed without a TTY).")]
BackupPassOpt = Annotated[
    Optional[str],
    typer.Option(
        "--backup-passphrase-file",
        metavar="PATH",
        help="Read the backup's passphrase from PATH ('-' = stdin). Without it, prompt on a TTY.",
    ),
]
ExportFileArg = Annotated[str, typer.Argument(metavar="FILE", help="Where to write the backup ('-' = stdout).")]
ImportFileArg = Annotated[str, typer.Argument(metavar="FILE", help="The backup to restore ('-' = stdin).")]
PersonaNameArg = Annotated[str, typer.Argument(metavar="NAME", help="The persona's name.")]

#: Command groups: "wallet GROUP COMMAND" (their commands are declared as "GROUP COMMAND").
GROUPS = {
    "persona": "Manage personas: real identities and named pseudonyms.",
    "dest": "Categorise destinations: trusted, inner-circle, uncertain (the default), untrusted.",
    "rule": "Privacy rules by destination, category, service type and call model.",
    "policy": "Destination and calling-service policies (see POLICY FILES in man wallet).",
    "endorse": "Ask identity providers to vouch for your keys, and keep their endorsements (see ENDORSEMENTS in man wallet).",
    "trust": "The identity providers this verifier believes, each for some claims (like ssh allowed_signers).",
    "idp": "Run a small identity provider: enroll accounts, issue endorsements, revoke them, publish.",
    "gateway": "A SIP interworking gateway: turn a verified WebRTC call into a SIP INVITE with an RFC 8224 Identity header.",
    "encryption-key": "A destination's X25519 key pair: callers encrypt their disclosures for it; verify --decrypt-key opens them.",
    "sdp": "Look at an SDP before it goes out: what in it links calls or reveals the caller beyond the identity.",
    "store": "Where the GUID and master secret are kept: move them between the OS keyring and an encrypted file.",
}

#: Options several commands share, declared once: group -> [(parameter, its annotation's name here, default)].
#: A declaration names the groups it takes (implemented_by); they follow its own parameters.
OPTION_GROUPS: dict[str, list[tuple[str, str, Any]]] = {
    "signing": [("persona", "PersonaOpt", None), ("state", "StateOpt", None), ("disclose", "DiscloseOpt", None),
                ("ttl", "TtlOpt", DEFAULT_TTL)],
    "context": [("service", "ServiceOpt", None), ("model", "ModelOpt", None), ("policy", "PolicyOpt", None),
                ("origin", "OriginOpt", None)],
    "encrypting": [("to_key", "ToKeyOpt", None)],
    "endorsing": [("endorsed_by", "EndorsedByOpt", None), ("verified", "VerifiedOpt", None)],
    "unlocks": [("passphrase_file", "PassphraseFileOpt", None)],
    "json": [("json_out", "JsonOpt", False)],
}

#: command path -> "module:function" of its implementation.
IMPLEMENTATIONS: dict[str, str] = {}
#: command path -> its declaration (the function whose signature typer reads), in declaration order.
DECLARATIONS: dict[str, Callable[..., Any]] = {}
#: command path -> what typer calls: the declaration's signature, running the implementation.
RUNNERS: dict[str, Callable[..., Any]] = {}


def implemented_by(
    path: str, target: str, *, groups: tuple[str, ...] = ("unlocks", "json")
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a declaration; typer calls its runner (:data:`RUNNERS`).

    The options of each of ``groups`` (:data:`OPTION_GROUPS`: --passphrase-file for a command that
    unlocks or creates a wallet, --json for one with a JSON product, the call context, the signing
    choices) are appended to the declaration's own parameters.
    """

    def mark(fn: Callable[..., None]) -> Callable[..., None]:
        wanted = [option for group in groups for option in OPTION_GROUPS[group]]
        signature = inspect.signature(fn, eval_str=True)
        extra = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
                                   annotation=globals()[alias]) for name, alias, default in wanted]
        fn.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *extra])  # type: ignore[attr-defined]
        fn.__annotations__.update({name: alias for name, alias, _ in wanted})
        IMPLEMENTATIONS[path] = target
        DECLARATIONS[path] = fn

        @functools.wraps(fn)
        def run(**values: Any) -> Any:
            from wallet.cli._args import CALLS

            return CALLS[path](values)

        RUNNERS[path] = run
        return fn

    return mark


EXAMPLES_HEADING = "Examples:"


def described(path: str) -> tuple[str, str, list[str]]:
    """(summary, help, examples) of a declared command, from its docstring.

    A docstring is the help text, then an ``Examples:`` block of indented command lines (``# why`` comments
    allowed, and ``...`` for a value the reader supplies). The summary is the first paragraph on one line (the
    command listings show it whole); the help omits the examples, which help and the man page show apart.
    tests/test_help.py fails for a command without examples and runs each one it can in a throwaway home.
    """
    text = inspect.cleandoc(DECLARATIONS[path].__doc__ or "")
    body, _, block = text.partition("\n" + EXAMPLES_HEADING + "\n")
    if not block and text.startswith(EXAMPLES_HEADING + "\n"):
        body, block = "", text.removeprefix(EXAMPLES_HEADING + "\n")
    summary = " ".join(body.strip().split("\n\n")[0].split())
    return summary, body.strip(), [line.strip() for line in block.splitlines() if line.strip()]


def _showing(path: str, target: str, doc: str) -> None:
    """Declare a command that unlocks the wallet and shows something: --passphrase-file and --json only."""

    def showing() -> None:
        pass

    showing.__doc__ = doc
    showing.__name__ = showing.__qualname__ = path.replace(" ", "_").replace("-", "_")
    implemented_by(path, target)(showing)


# Commands that unlock the wallet and show something: only --passphrase-file and --json.
for _path, _target, _doc in (
    ("status", "wallet.cli.identity:status", """\
Show this wallet's GUID, secret store and personas (for your eyes: the GUID is private).

Examples:
    wallet status
    wallet status --json"""),
    ("persona list", "wallet.cli.persona:list_", """\
List personas.

Examples:
    wallet persona list
    wallet persona list --json"""),
    ("history", "wallet.cli.ledger:history", """\
Show the disclosure ledger: every assertion this wallet signed, to whom, as whom, disclosing what.

Examples:
    wallet history
    wallet history --json"""),
    ("dest list", "wallet.cli.privacy:dest_list", """\
List categorised destinations.

Examples:
    wallet dest list"""),
    ("rule list", "wallet.cli.privacy:rule_list", """\
List rules, highest precedence first.

Examples:
    wallet rule list
    wallet rule list --json"""),
    ("endorse list", "wallet.cli.endorse:list_", """\
List held endorsements per IdP and persona: claims, expiry, once-only ones left; and pending requests.

Examples:
    wallet endorse list"""),
    ("idp accounts", "wallet.cli.idp:accounts", """\
List this IdP's enrolled accounts and their verified claims.

Examples:
    wallet idp accounts
    WALLET_IDP_HOME=~/idp wallet idp accounts --json"""),
):
    _showing(_path, _target, _doc)


# -- the identity root ---------------------------------------------------------------------------
@implemented_by("init", "wallet.cli.identity:init")
def init(
    store: StoreOpt = StoreKind.AUTO,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing wallet (its identity is lost: export it first).")] = False,
    yes: YesOpt = False,
) -> None:
    """Create a wallet: a new GUID and master secret, and a 'default' persona.

    Examples:
        wallet init                                    # the OS keyring if a real one is usable, else an encrypted file
        wallet init --store file --passphrase-file pass.txt
    """


# -- personas ------------------------------------------------------------------------------------


AttrOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--attr",
        metavar="KEY=VALUE",
        help="An attribute you may disclose (display_name, email, org, phone, sip, or your own key). Repeatable. "
        "Other users can read command lines (ps, /proc): put private values in --attr-file.",
    ),
]
AttrFileOpt = Annotated[
    Optional[str],
    typer.Option(
        "--attr-file",
        metavar="PATH",
        help="Read attributes from a file, one KEY=VALUE per line ('#' comments and blank lines skipped; "
        "'-' reads stdin), so that their values never appear on a command line.",
    ),
]


@implemented_by("persona add", "wallet.cli.persona:add")
def persona_add(
    name: PersonaNameArg,
    kind: Annotated[PersonaKind, typer.Option("--kind", help="real: yourself; pseudonym: a named pseudonym.")] = PersonaKind.REAL,
    attr: AttrOpt = None,
    attr_file: AttrFileOpt = None,
) -> None:
    """Add a persona.

    Examples:
        wallet persona add NightOwl --kind pseudonym    # one identifier for everyone, unrelated to you
        wallet persona add home --attr display_name='Ann Example' --attr email=ann@home.example
        wallet persona add club --attr-file club-attributes.txt    # KEY=VALUE lines, kept off the command line
    """


@implemented_by("persona show", "wallet.cli.persona:show")
def persona_show(name: PersonaNameArg) -> None:
    """Show one persona and its attributes.

    Examples:
        wallet persona show work
        wallet persona show work --json
    """


@implemented_by("persona set", "wallet.cli.persona:set_")
def persona_set(
    name: PersonaNameArg,
    attr: AttrOpt = None,
    attr_file: AttrFileOpt = None,
    unset: Annotated[
        Optional[list[str]], typer.Option("--unset", metavar="KEY", help="Remove this attribute (repeatable).")
    ] = None,
) -> None:
    """Change a persona's attributes; every identifier it has shown stays the same.

    Examples:
        wallet persona set work --attr email=ann@newcorp.example --unset display_name
    """


@implemented_by("persona rename", "wallet.cli.persona:rename")
def persona_rename(
    old: Annotated[str, typer.Argument(metavar="OLD", help="The persona's current name.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="Its new name.")],
) -> None:
    """Rename a persona (and the rules, endorsements and history that name it); its identifiers stay the same.

    Examples:
        wallet persona rename work job
    """


@implemented_by("persona rm", "wallet.cli.persona:rm")
def persona_rm(
    name: PersonaNameArg,
    with_rules: Annotated[
        bool, typer.Option("--with-rules", help="Also remove the privacy rules that use this persona.")
    ] = False,
    yes: YesOpt = False,
) -> None:
    """Remove a persona (not 'default'; not while rules use it). Its identifiers can never be derived again.

    Examples:
        wallet persona rm PokerAce --yes
        wallet persona rm work --with-rules --yes
    """


# -- pseudonyms ----------------------------------------------------------------------------------
@implemented_by("pseudonym", "wallet.cli.pseudonym:pseudonym")
def pseudonym(
    destination: Annotated[
        str,
        typer.Argument(
            metavar="DEST", help="Who would see it: example.org, https://origin, sip:user@host, tel:+number, user@host."
        ),
    ],
    persona: Annotated[str, typer.Option("--persona", "-p", metavar="NAME", help="Persona to use.")] = "default",
    scope: Annotated[
        Optional[KeyScope],
        typer.Option(
            "--scope",
            help="persona: same to everyone; pairwise: only for DEST; one-time: fresh each call. Default: persona for a pseudonym persona, else pairwise.",
        ),
    ] = None,
) -> None:
    """Show the identifier (a did:key) DEST would see.

    Examples:
        wallet pseudonym shop.example --persona work    # a pairwise did:key: only shop.example sees it
        wallet pseudonym poker.example --persona PokerAce --json
        wallet pseudonym sip:bob@example.org --scope one-time
    """


# -- assertions ---------------------------------------------------------------------------------
ToOpt = Annotated[
    str, typer.Option("--to", metavar="DEST", help="The destination the assertion is for (its audience).")
]
PersonaOpt = Annotated[
    Optional[str], typer.Option("--persona", "-p", metavar="NAME", help="Persona to sign as (default: your rule's, else 'default').")
]
StateOpt = Annotated[
    Optional[PrivacyState],
    typer.Option(
        "--state",
        help="Override your rules: identified (the persona's key), pseudonymous (a key for DEST only, or a pseudonym persona's own key), unlinkable (a one-time key), undetectable (no identity at all).",
    ),
]
ServiceOpt = Annotated[Optional[ServiceType], typer.Option("--service", help="The service type of this call (draft 3.4).")]
ModelOpt = Annotated[Optional[CallModel], typer.Option("--model", help="The call model: one calling service or two (draft 3.3).")]
PolicyOpt = Annotated[
    Optional[list[str]],
    typer.Option("--policy", metavar="FILE", help="A destination's or calling service's policy (JSON: see POLICY FILES in man wallet). Repeatable."),
]
OriginOpt = Annotated[
    Optional[str], typer.Option("--origin", metavar="URL", help="The website that sent you to the calling service.")
]
ToKeyOpt = Annotated[
    Optional[str],
    typer.Option("--to-key", metavar="FILE", help="The destination's public X25519 JWK: disclosed attributes travel "
                 "encrypted for it (JWE; default: the encryption_key of its --policy, if any)."),
]
DiscloseOpt = Annotated[
    Optional[list[str]],
    typer.Option("--disclose", metavar="ATTR", help="Disclose this persona attribute (repeatable). Default: nothing."),
]
TtlOpt = Annotated[int, typer.Option("--ttl", metavar="SECONDS", help=f"Lifetime of the assertion (1-{MAX_TTL}).")]
EndorsedByOpt = Annotated[
    Optional[list[str]],
    typer.Option("--endorsed-by", metavar="IDP",
                 help="Present an endorsement by this identity provider (its https issuer URL; repeatable)."),
]
VerifiedOpt = Annotated[
    Optional[list[str]],
    typer.Option("--verified", metavar="CLAIM",
                 help="A claim an IdP verified that may be disclosed from an endorsement (repeatable): "
                 "verified_person, name, email, phone_number, org, group, account."),
]
LinkableOpt = Annotated[
    Optional[LinkableChoice],
    typer.Option("--linkable", help="For an unlinkable or undetectable call whose SDP would link it to others or "
                 "reveal the caller (see 'wallet sdp check'): refuse, warn, or allow. Default: refuse a DTLS "
                 "fingerprint reused in an unlinkable call, warn about the rest."),
]
TrustFileOpt = Annotated[
    Optional[str],
    typer.Option("--trust", metavar="FILE", help="The trust file (default: $WALLET_HOME/trust.json)."),
]
IdpOpt = Annotated[str, typer.Option("--idp", metavar="URL", help="The identity provider (its https issuer URL).")]
FingerprintOpt = Annotated[
    Optional[list[str]],
    typer.Option("--fingerprint", metavar="'ALG HEX'", help="A DTLS fingerprint, e.g. 'sha-256 AB:CD:...' (repeatable)."),
]


CallLinkableOpt = Annotated[Optional[LinkableChoice], typer.Option(
    "--linkable", help="Override your rule for this call: what to do when the SDP (or, for assert, a fingerprint) of "
    "an unlinkable or undetectable call would link it to others (see 'wallet sdp check').")]


@implemented_by("assert", "wallet.cli.assertions:assert_", groups=("signing", "endorsing", "context", "encrypting", "unlocks", "json"))
def assert_(
    to: ToOpt,
    fingerprint: FingerprintOpt = None,
    format: Annotated[AssertionFormat, typer.Option("--format", help="line: an a=identity line; token: the bare JWS.")] = AssertionFormat.LINE,
    linkable: CallLinkableOpt = None,
) -> None:
    """Sign an identity assertion over DTLS fingerprints for DEST (offline).

    For an unlinkable call, a fingerprint already signed for another destination or in an earlier unlinkable
    call is refused (exit 34) as by sign-sdp, unless --linkable (or your rule's) says warn or allow; only the
    fingerprints are checked (sign-sdp also reads the rest of an SDP).

    Examples:
        wallet assert --to shop.example --fingerprint 'sha-256 AB:CD:...'    # an a=identity line
        wallet assert --to shop.example --fingerprint "$(grep -m1 -o 'sha-256 [0-9A-F:]*' offer.sdp)" --format token
        wallet assert --to shop.example --fingerprint 'sha-256 AB:CD:...' --persona work --disclose email --to-key shop.x25519.jwk
    """


@implemented_by("sign-sdp", "wallet.cli.assertions:sign_sdp", groups=("signing", "endorsing", "context", "encrypting", "unlocks", "json"))
def sign_sdp(
    to: ToOpt,
    file: Annotated[str, typer.Argument(metavar="FILE", help="The SDP offer or answer ('-' = stdin).")] = "-",
    output: Annotated[
        Optional[str], typer.Option("--output", "-o", metavar="OUT", help="Write the signed SDP to OUT (default: stdout).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUT if it exists.")] = False,
    linkable: CallLinkableOpt = None,
    idp_domain: Annotated[Optional[str], typer.Option(
        "--idp-domain", metavar="DOMAIN", help="Name DOMAIN as the a=identity's IdP, for a browser that loads its "
        "proxy from there ('wallet idp proxy'); default: wallet.invalid, which no browser loads.")] = None,
) -> None:
    """Add an a=identity covering every fingerprint of an SDP; every other byte is kept.

    Before anything is signed or recorded, the SDP is checked as 'wallet sdp check' does: for an unlinkable or
    undetectable call, a finding is refused (exit 34), warned about (one notice line each) or allowed, as the
    rule's --linkable says (default: refuse a DTLS fingerprint reused in an unlinkable call, warn about the
    rest); for other calls only the IP addresses it shows are warned about.

    Examples:
        wallet sign-sdp --to shop.example offer.sdp -o offer.signed.sdp --persona work
        wallet sign-sdp --to shop.example - < offer.sdp > offer.signed.sdp
        wallet sign-sdp --to callcentre.example fresh-offer.sdp --state unlinkable --verified verified_person
        wallet sign-sdp --to shop.example click-offer.sdp --service click-to-link --origin https://news.example/article
        wallet sign-sdp --to shop.example offer.sdp --idp-domain idp.example -o browser.sdp --force    # for Firefox
    """


@implemented_by("sdp check", "wallet.cli.sdpcheck:check")
def sdp_check(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The SDP offer or answer ('-' = stdin).")] = "-",
    to: Annotated[Optional[str], typer.Option(
        "--to", metavar="DEST", help="The destination of the call: a fingerprint signed for any other one is a "
        "finding (without --to, any earlier use is).")] = None,
) -> None:
    """List what in an SDP links calls or reveals the caller beyond the identity (nothing is signed or recorded).

    Findings: a DTLS fingerprint already signed for another destination or in an earlier unlinkable call (the
    disclosure ledger), candidates and address lines with private or public IP addresses (an mDNS .local name
    is not one), and an o= session id or username, RTCP CNAME or msid id seen in an earlier sign-sdp (kept as
    keyed hashes). The product is one line per finding ('CODE: message'), nothing when there is none; the exit
    status is 0 either way.

    Examples:
        wallet sdp check offer.sdp --to callcentre.example
        wallet sdp check - --json < offer.sdp
    """


@implemented_by("verify", "wallet.cli.verification:verify", groups=("json",))
def verify(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="An SDP, an a=identity line, an envelope or a token ('-' = stdin).")
    ] = "-",
    audience: Annotated[
        Optional[str], typer.Option("--audience", metavar="DEST", help="Who you are: the assertion must be for DEST.")
    ] = None,
    fingerprint: FingerprintOpt = None,
    expect_id: Annotated[
        Optional[str], typer.Option("--expect-id", metavar="ID", help="Accept only this identity (a did:key).")
    ] = None,
    at: Annotated[
        Optional[str], typer.Option("--at", metavar="TIME", help="Verify as of TIME (ISO 8601, or Unix seconds).")
    ] = None,
    no_replay_check: Annotated[bool, typer.Option("--no-replay-check", help="Do not record or check the assertion id.")] = False,
    replay_store: Annotated[
        Optional[str],
        typer.Option("--replay-store", metavar="PATH|URL", help="Replay store: a file (default: see FILES in man wallet), or a "
                     "Redis/Valkey server shared by a fleet of verifiers: redis://[USER:PASS@]HOST[:PORT][/DB], "
                     "rediss://... (TLS, certificate verified), unix:///PATH/redis.sock?db=N (see SHARED REPLAY STORE "
                     "in man wallet)."),
    ] = None,
    replay_fail_open: Annotated[
        bool, typer.Option("--replay-fail-open", help="If the shared replay store cannot be reached, accept anyway "
                           "(no replay protection), with a warning on every such result; default: fail closed (exit 30).")
    ] = False,
    batch: Annotated[
        bool, typer.Option("--batch", help="Read JSON Lines requests, write one JSON result per line (streaming).")
    ] = False,
    policy: Annotated[
        Optional[str], typer.Option("--policy", metavar="FILE", help="Enforce this destination policy (see POLICY FILES in man wallet).")
    ] = None,
    trust: TrustFileOpt = None,
    sip: Annotated[
        bool, typer.Option("--sip", help="FILE is a SIP INVITE (or its header lines): check its RFC 8224 Identity "
                           "header against --gateway-key and its From and To.")
    ] = False,
    gateway_key: Annotated[
        Optional[str], typer.Option("--gateway-key", metavar="FILE", help="With --sip: the trusted gateway's P-256 "
                                    "public key or certificate (PEM).")
    ] = None,
    decrypt_key: Annotated[
        Optional[str], typer.Option("--decrypt-key", metavar="FILE", help="Your private X25519 JWK (mode 600): open "
                                    "attributes the caller encrypted for you.")
    ] = None,
) -> Any:
    """Verify an identity assertion offline; needs no wallet and no secret.

    Examples:
        wallet verify offer.signed.sdp --audience shop.example
        wallet verify offer.signed.sdp --audience shop.example --expect-id did:key:z6Mk...
        wallet verify --batch requests.jsonl --audience shop.example > results.jsonl
        wallet verify --batch requests.jsonl --audience shop.example --replay-store redis://10.0.0.5:6379/0
        wallet verify callcentre.signed.sdp --audience callcentre.example --policy callcentre.json --json
        wallet gateway invite call.signed.sdp --from +442071234567 --to +447700900123 -o invite.sip && wallet verify --sip invite.sip --gateway-key gateway-public.pem --json
        wallet verify offer.signed.sdp --audience shop.example --decrypt-key shop.x25519.private.jwk
    """


# -- privacy rules by context ----------------------------------------------------------------------
DestArg = Annotated[str, typer.Argument(metavar="DEST", help="A destination (host, origin, sip:, tel:, user@host).")]


@implemented_by("dest set", "wallet.cli.privacy:dest_set")
def dest_set(
    dest: DestArg,
    category: Annotated[Category, typer.Option("--category", help="How far you trust DEST (draft 3.5).")],
) -> None:
    """Set the category of a destination.

    Examples:
        wallet dest set charlie@corp.example --category inner-circle
        wallet dest set ads.example --category untrusted
    """


@implemented_by("dest rm", "wallet.cli.privacy:dest_rm")
def dest_rm(dest: DestArg) -> None:
    """Forget a destination's category (it becomes uncertain).

    Examples:
        wallet dest rm bank.example
    """


@implemented_by("rule add", "wallet.cli.privacy:rule_add", groups=("endorsing", "unlocks", "json"))
def rule_add(
    state: Annotated[PrivacyState, typer.Option("--state", help="The privacy state for matching calls.")],
    dest: Annotated[
        Optional[str], typer.Option("--dest", metavar="PATTERN", help="A destination, or *.domain for every destination under it.")
    ] = None,
    category: Annotated[Optional[Category], typer.Option("--category", help="Match destinations of this category.")] = None,
    service: Annotated[Optional[ServiceType], typer.Option("--service", help="Match calls of this service type (draft 3.4).")] = None,
    model: Annotated[Optional[CallModel], typer.Option("--model", help="Match calls of this call model (draft 3.3).")] = None,
    persona: Annotated[Optional[str], typer.Option("--persona", "-p", metavar="NAME", help="Persona to use for matching calls.")] = None,
    disclose: Annotated[
        Optional[str], typer.Option("--disclose", metavar="ATTR,...", help="Attributes to disclose, comma-separated.")
    ] = None,
    origin: Annotated[Optional[OriginChoice], typer.Option("--origin", help="Disclose or withhold the origin website.")] = None,
    on_conflict: Annotated[
        str, typer.Option("--on-conflict", metavar="refuse|fallback:STATE|ask", help="When a party's policy disagrees.",
                          autocompletion=lambda: list(ON_CONFLICT))
    ] = "refuse",
    linkable: LinkableOpt = None,
) -> None:
    """Add a privacy rule (contradictions at the same precedence are refused).

    Examples:
        wallet rule add --category inner-circle --state identified --persona work --disclose display_name,email
        wallet rule add --dest '*.prospects.example' --state unlinkable --on-conflict fallback:pseudonymous
        wallet rule add --service click-to-link --state undetectable --on-conflict ask
        wallet rule add --dest '*.survey.example' --state unlinkable --linkable warn
    """


@implemented_by("rule rm", "wallet.cli.privacy:rule_rm")
def rule_rm(
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="The rule's id (see 'wallet rule list').")],
) -> None:
    """Remove a rule.

    Examples:
        wallet rule rm rd2c0a941121a9357    # an id 'wallet rule list' shows
    """


@implemented_by("policy check", "wallet.cli.privacy:policy_check", groups=("json",))
def policy_check(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The policy JSON file ('-' = stdin).")],
) -> None:
    """Validate a policy file.

    Examples:
        wallet policy check callcentre.json
        wallet policy check - < callcentre.json
    """


@implemented_by("explain", "wallet.cli.privacy:explain", groups=("endorsing", "context", "unlocks", "json"))
def explain(
    to: Annotated[str, typer.Option("--to", metavar="DEST", help="The destination of the call.")],
    persona: Annotated[
        Optional[str], typer.Option("--persona", "-p", metavar="NAME", help="Persona to call as (default: your rule's, else 'default').")
    ] = None,
    state: StateOpt = None,
) -> None:
    """Show, without signing, what a call to DEST would disclose, and which rule or policy decided each item.

    Examples:
        wallet explain --to bob@survey.prospects.example
        wallet explain --to callcentre.example --policy callcentre.json --service click-to-link --json
    """


# -- endorsements: the holder ----------------------------------------------------------------------
@implemented_by("endorse account", "wallet.cli.endorse:account")
def endorse_account(
    idp: IdpOpt,
    persona: Annotated[str, typer.Option("--persona", "-p", metavar="NAME", help="The persona the account is for.")] = "default",
) -> None:
    """Show the account key (a did:key) to enroll at an identity provider: your pairwise key for it.

    Examples:
        wallet endorse account --idp https://idp.example    # give this did:key to the IdP when you enroll
    """


@implemented_by("endorse request", "wallet.cli.endorse:request")
def endorse_request(
    idp: IdpOpt,
    persona: Annotated[str, typer.Option("--persona", "-p", metavar="NAME", help="The persona whose keys to endorse.")] = "default",
    state: Annotated[
        PrivacyState,
        typer.Option("--state", help="The calls the endorsement is for: identified (the persona's key), pseudonymous "
                     "(the key each --to DEST sees), unlinkable (--count once-only keys)."),
    ] = PrivacyState.IDENTIFIED,
    count: Annotated[
        Optional[int], typer.Option("--count", metavar="N", help="How many once-only endorsements (unlinkable; default 20).")
    ] = None,
    to: Annotated[
        Optional[list[str]], typer.Option("--to", metavar="DEST", help="A destination whose pairwise key to endorse (repeatable).")
    ] = None,
    claims: Annotated[
        Optional[str],
        typer.Option("--claims", metavar="CLAIM,...", help="The verified claims to ask for (default: all the account has; "
                     "verified_person for unlinkable)."),
    ] = None,
    with_guid: Annotated[
        bool, typer.Option("--with-guid", help="Also send your GUID (it links your accounts at IdPs that compare notes).")
    ] = False,
    output: Annotated[
        Optional[str], typer.Option("--output", "-o", metavar="FILE", help="Write the request to FILE (default: stdout).")
    ] = None,
) -> None:
    """Make a signed endorsement request for an identity provider (keys with proof of possession).

    Examples:
        wallet endorse request --idp https://idp.example -o request.jws
        wallet endorse request --idp https://idp.example --state unlinkable --count 20 -o request.jws
        wallet endorse request --idp https://idp.example --state pseudonymous --to shop.example --claims name
    """


@implemented_by("endorse import", "wallet.cli.endorse:import_")
def endorse_import(
    file: Annotated[str, typer.Argument(metavar="RESPONSE", help="The IdP's response, or a bare SD-JWT VC ('-' = stdin).")],
    metadata: Annotated[
        Optional[str], typer.Option("--metadata", metavar="FILE", help="For a bare SD-JWT VC: its issuer's metadata (JSON).")
    ] = None,
    persona: Annotated[
        Optional[str], typer.Option("--persona", "-p", metavar="NAME", help="For a bare SD-JWT VC: the persona it is for.")
    ] = None,
    to: Annotated[
        Optional[str], typer.Option("--to", metavar="DEST", help="For a bare SD-JWT VC: the destination whose key it is for.")
    ] = None,
) -> None:
    """Keep the endorsements of an IdP's response (each checked against the request and the issuer's key).

    Examples:
        wallet endorse import response.json
    """


# -- endorsements: the verifier's trust -------------------------------------------------------------
IssuerArg = Annotated[str, typer.Argument(metavar="ISSUER", help="The identity provider's https issuer URL.")]


@implemented_by("trust add", "wallet.cli.trust:add", groups=("json",))
def trust_add(
    issuer: IssuerArg,
    metadata: Annotated[
        Optional[str], typer.Option("--metadata", metavar="FILE", help="The issuer's metadata (/.well-known/jwt-vc-issuer).")
    ] = None,
    key: Annotated[Optional[str], typer.Option("--key", metavar="JWK", help="The issuer's Ed25519 key as a JWK (JSON).")] = None,
    claims: Annotated[
        Optional[str], typer.Option("--claims", metavar="CLAIM,...", help="Trust it only for these claims (default: any).")
    ] = None,
    valid_after: Annotated[
        Optional[str], typer.Option("--valid-after", metavar="TIME", help="Trust endorsements issued from TIME on.")
    ] = None,
    valid_before: Annotated[
        Optional[str], typer.Option("--valid-before", metavar="TIME", help="Trust endorsements issued before TIME.")
    ] = None,
    trust: TrustFileOpt = None,
) -> None:
    """Trust an identity provider's endorsements (replaces an earlier entry for it).

    Examples:
        wallet trust add https://idp.example --metadata site/.well-known/jwt-vc-issuer --claims verified_person,name
        wallet trust add https://idp.example --metadata site/.well-known/jwt-vc-issuer --valid-after 2025-01-01
    """


@implemented_by("trust list", "wallet.cli.trust:list_", groups=("json",))
def trust_list(trust: TrustFileOpt = None) -> None:
    """List trusted identity providers, their claims, validity and loaded status lists.

    Examples:
        wallet trust list
        wallet trust list --json
    """


@implemented_by("trust rm", "wallet.cli.trust:rm", groups=("json",))
def trust_rm(issuer: IssuerArg, trust: TrustFileOpt = None) -> None:
    """Stop trusting an identity provider.

    Examples:
        wallet trust rm https://idp.example
    """


@implemented_by("trust status", "wallet.cli.trust:status", groups=("json",))
def trust_status(
    issuer: IssuerArg,
    file: Annotated[str, typer.Argument(metavar="TOKEN_FILE", help="Its Status List Token, as published ('-' = stdin).")],
    trust: TrustFileOpt = None,
) -> None:
    """Load an issuer's revocation list in bulk (a Token Status List); verify never fetches one per call.

    Examples:
        wallet trust status https://idp.example site/statuslists/1    # as 'wallet idp publish' wrote it
        wallet trust status https://idp.example - < statuslist.jwt
    """


# -- endorsements: the identity provider -----------------------------------------------------------
AccountArg = Annotated[str, typer.Argument(metavar="ACCOUNT", help="The account's name at this IdP.")]


@implemented_by("idp init", "wallet.cli.idp:init")
def idp_init(
    issuer: Annotated[str, typer.Option("--issuer", metavar="URL", help="The IdP's https issuer URL (the iss of its endorsements).")],
    store: Annotated[
        StoreKind,
        typer.Option("--store", help="Where the issuer key lives. auto: the OS keyring if a real one is usable, "
                     "else an encrypted file."),
    ] = StoreKind.AUTO,
    ttl: Annotated[
        Optional[int], typer.Option("--ttl", metavar="SECONDS", help="Lifetime of the endorsements it issues (default 90 days).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing IdP home (its issuer key is lost).")] = False,
    yes: YesOpt = False,
) -> None:
    """Create an identity provider in $WALLET_IDP_HOME: an Ed25519 issuer key and an empty status list.

    Examples:
        WALLET_IDP_HOME=~/idp wallet idp init --issuer https://idp.example
        wallet idp init --issuer https://idp.example --store file --ttl 2592000    # endorsements last 30 days
    """


@implemented_by("idp enroll", "wallet.cli.idp:enroll")
def idp_enroll(
    account: AccountArg,
    account_key: Annotated[
        Optional[str], typer.Option("--account-key", metavar="DID", help="The holder's account key ('wallet endorse account').")
    ] = None,
    attr: Annotated[
        Optional[list[str]],
        typer.Option("--attr", metavar="CLAIM=VALUE", help="A claim this IdP verified (repeatable): verified_person=true, "
                     "name, email, phone_number, org, group, account."),
    ] = None,
    attr_file: Annotated[
        Optional[str], typer.Option("--attr-file", metavar="PATH", help="Read CLAIM=VALUE lines from a file ('-' = stdin).")
    ] = None,
    update: Annotated[bool, typer.Option("--update", help="Change an enrolled account (claims are added or replaced).")] = False,
) -> None:
    """Enroll an account: the claims this IdP verified, and the key its holder signs requests with.

    Examples:
        wallet idp enroll ann --account-key did:key:z6Mk... --attr verified_person=true --attr name='Ann Example'
        wallet idp enroll ann --update --attr org=corp.example
    """


@implemented_by("idp issue", "wallet.cli.idp:issue")
def idp_issue(
    file: Annotated[str, typer.Argument(metavar="REQUEST", help="A holder's endorsement request ('-' = stdin).")],
    output: Annotated[
        Optional[str], typer.Option("--output", "-o", metavar="FILE", help="Write the response to FILE (default: stdout).")
    ] = None,
) -> None:
    """Answer an endorsement request: an SD-JWT VC for each key, with the account's verified claims.

    Examples:
        wallet idp issue request.jws -o response.json
    """


@implemented_by("idp revoke", "wallet.cli.idp:revoke")
def idp_revoke(account: AccountArg, yes: YesOpt = False) -> None:
    """Revoke an account and every endorsement issued to it (publish the status list afterwards).

    Examples:
        wallet idp revoke ann --yes && wallet idp publish site
    """


@implemented_by("idp publish", "wallet.cli.idp:publish")
def idp_publish(
    directory: Annotated[str, typer.Argument(metavar="DIR", help="Where to write the files to serve.")] = ".",
) -> None:
    """Write the issuer metadata (/.well-known/jwt-vc-issuer, with its JWKS) and the status list to serve.

    Examples:
        wallet idp publish site    # then serve site/ at the issuer URL
    """


@implemented_by("idp proxy", "wallet.cli.browser:proxy", groups=("json",))
def idp_proxy(
    output: Annotated[str, typer.Option("--output", "-o", metavar="DIR", help="The site root to write "
                                        ".well-known/idp-proxy/did-key-jws under (it must exist).")],
    domain: Annotated[str, typer.Option("--domain", metavar="DOMAIN", help="The host (and port) that will serve "
                                        "DIR over https: the idp.domain the assertions name (sign-sdp --idp-domain).")],
    audience: Annotated[
        Optional[list[str]], typer.Option("--audience", metavar="DEST", help="Accept only assertions for DEST "
                                          "(repeatable); without it any audience, shown in the identity name.")
    ] = None,
    trust: Annotated[
        Optional[str], typer.Option("--trust", metavar="FILE", help="Believe the endorsements of the identity "
                                    "providers in this trust file (keys, claims, validity); default: none.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a proxy already there.")] = False,
    signer_port: Annotated[Optional[int], typer.Option(
        "--signer-port", metavar="PORT", help="Let pages get assertions too: generateAssertion asks the "
        "'wallet browser-signer --port PORT' of the user's machine (http://127.0.0.1:PORT); default: it refuses.")] = None,
) -> None:
    """Write the browser IdP proxy: a script that validates wallet assertions offline inside Firefox (RFC 8827).

    Serve DIR at https://DOMAIN/; a page's pc.peerIdentity then resolves to
    KEY+AUDIENCE@DOMAIN for an offer signed with 'wallet sign-sdp --idp-domain DOMAIN'. The host serves a
    file and never receives an assertion.

    Examples:
        wallet idp proxy -o site --domain idp.example --audience https://shop.example
        wallet idp proxy -o site --domain idp.example --trust trusted-idps.json --force --json
        wallet idp proxy -o site --domain idp.example --signer-port 8517 --force    # pages may ask browser-signer
    """


@implemented_by("browser-signer", "wallet.cli.browser:signer", groups=("unlocks",))
def browser_signer(
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Listen on 127.0.0.1:PORT (the port the proxy "
                                      "was written with: wallet idp proxy --signer-port PORT; 0: any free port).")],
    domain: Annotated[list[str], typer.Option("--domain", metavar="DOMAIN", help="Sign only for the IdP proxy served "
                                              "from https://DOMAIN (repeatable): requests with another Origin are "
                                              "refused.")],
    prompt_timeout: Annotated[int, typer.Option("--prompt-timeout", metavar="SECONDS", help="Refuse a request left "
                                                "unanswered this long (1-600); Firefox itself gives up after "
                                                "media.peerconnection.identity.timeout (10 s).")] = 10,
    ttl: TtlOpt = DEFAULT_TTL,
    dangerous_approve_for: Annotated[Optional[list[str]], typer.Option(
        "--dangerous-approve-for", metavar="ORIGIN", help="DANGEROUS: sign for pages of ORIGIN without asking "
        "(repeatable; any page of ORIGIN then gets an assertion silently). For tests and kiosks.")] = None,
) -> None:
    """Sign for Firefox: a loopback endpoint the IdP proxy's generateAssertion calls; it asks you before each signature.

    A page's pc.setIdentityProvider(DOMAIN, {protocol: "did-key-jws"}) then gets a wallet assertion for the
    page's origin, as 'wallet sign-sdp --to ORIGIN' would sign it (your rules choose persona, state and
    disclosures), after you answer y on this terminal; Enter, anything else or no answer refuses. It runs in
    the foreground until Ctrl-C, and signs only for pages whose proxy is served from a --domain.

    Examples:
        wallet browser-signer --port 8517 --domain idp.example
        wallet browser-signer --port 8517 --domain idp.example --prompt-timeout 30 --ttl 120
    """


# -- confidential disclosures: a destination's key pair -------------------------------------------
@implemented_by("encryption-key new", "wallet.cli.encryption_key:new", groups=("json",))
def encryption_key_new(
    output: Annotated[str, typer.Option("--output", "-o", metavar="FILE", help="Where to write the private key (an "
                                        "X25519 JWK, mode 600, written atomically).")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing FILE (disclosures encrypted for the "
                                        "old key no longer open).")] = False,
) -> None:
    """Create a destination's X25519 key pair: the private JWK to FILE, the public JWK on stdout.

    Callers' wallets encrypt what they disclose to this destination, endorsements included, for the public key
    (publish it as the encryption_key of your destination policy, or hand it out for --to-key); only
    wallet verify --decrypt-key FILE opens it (draft 8.4.2).

    Examples:
        wallet encryption-key new -o callcentre.x25519.private.jwk > callcentre.x25519.jwk
        wallet encryption-key new -o callcentre.x25519.private.jwk --force --json
    """


@implemented_by("encryption-key public", "wallet.cli.encryption_key:public", groups=("json",))
def encryption_key_public(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The private X25519 JWK (mode 600).")],
) -> None:
    """Print the public JWK (and its RFC 7638 thumbprint, the kid callers' JWEs name) of a private key.

    Examples:
        wallet encryption-key public shop.x25519.private.jwk
    """


# -- SIP interworking: the gateway ----------------------------------------------------------------
@implemented_by("gateway init", "wallet.cli.gateway:init", groups=("json",))
def gateway_init(
    x5u: Annotated[
        str, typer.Option("--x5u", metavar="URL", help="Where SIP verifiers fetch the gateway's certificate (the "
                          "PASSporT's x5u and the Identity header's info).")
    ] = "https://gateway.example/cert.pem",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing gateway key (PASSporTs it signed no "
                                        "longer verify with the new one).")] = False,
) -> None:
    """Create a SIP gateway's P-256 signing key in $WALLET_GATEWAY_HOME; print its public key (PEM).

    Examples:
        WALLET_GATEWAY_HOME=~/gateway wallet gateway init --x5u https://gateway.example/cert.pem
        wallet gateway init --json
    """


@implemented_by("gateway invite", "wallet.cli.gateway:invite", groups=("json",))
def gateway_invite(
    file: Annotated[str, typer.Argument(metavar="SDP", help="The caller's signed SDP ('-' = stdin).")],
    caller: Annotated[str, typer.Option("--from", metavar="TEL", help="The calling number (the INVITE's From, the "
                                        "PASSporT's orig).")],
    callee: Annotated[str, typer.Option("--to", metavar="TEL|SIP-URI", help="The called number or SIP URI (the "
                                        "INVITE's To, the PASSporT's dest; the caller's assertion must be for it).")],
    trust: TrustFileOpt = None,
    at: Annotated[
        Optional[str], typer.Option("--at", metavar="TIME", help="Verify and sign as of TIME (ISO 8601, or Unix seconds).")
    ] = None,
    output: Annotated[
        Optional[str], typer.Option("--output", "-o", metavar="FILE", help="Write the INVITE to FILE (default: stdout).")
    ] = None,
) -> None:
    """Verify a caller's signed SDP and turn the call into a SIP INVITE with an RFC 8224 Identity header.

    The PASSporT's attest is A only when an identity provider trusted for phone_number vouches for the calling
    number; B when a trusted IdP vouches for the caller but not the number; C otherwise.

    Examples:
        wallet gateway invite call.signed.sdp --from +442071234567 --to +447700900123 --trust trusted-idps.json -o invite.sip
        wallet gateway invite sipcall.signed.sdp --from +442071234567 --to sip:bob@biloxi.example.org -o invite.sip
    """


# -- portability ---------------------------------------------------------------------------------
@implemented_by("export", "wallet.cli.backup:export")
def export(
    file: ExportFileArg,
    backup_passphrase_file: BackupPassOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write an encrypted backup of this wallet (GUID, master secret, personas, rules, history, endorsements).

    Examples:
        wallet export wallet.backup --backup-passphrase-file backup-pass
        wallet export - --backup-passphrase-file backup-pass > wallet.backup
    """


@implemented_by("import", "wallet.cli.backup:import_")
def import_(
    file: ImportFileArg,
    backup_passphrase_file: BackupPassOpt = None,
    store: StoreOpt = StoreKind.AUTO,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing wallet in WALLET_HOME.")] = False,
    yes: YesOpt = False,
) -> None:
    """Restore a wallet from a backup: the same GUID, personas and pseudonyms, rules and history.

    Examples:
        wallet import wallet.backup --backup-passphrase-file backup-pass
        WALLET_HOME=~/other-wallet wallet import wallet.backup --backup-passphrase-file backup-pass --store file
    """


@implemented_by("completion", "wallet.cli.completion:completion", groups=())
def completion(
    shell: Annotated[Shell, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> None:
    """Print the Tab completion script for bash, zsh or fish (see COMPLETION in man wallet).

    Examples:
        wallet completion bash > wallet.bash
        wallet completion fish > wallet.fish
    """


# -- living with a wallet --------------------------------------------------------------------------
@implemented_by("passwd", "wallet.cli.lifecycle:passwd")
def passwd(
    new_passphrase_file: Annotated[
        Optional[str],
        typer.Option("--new-passphrase-file", metavar="PATH",
                     help="Read the new passphrase from PATH ('-' = stdin). Without it, prompt twice on a TTY."),
    ] = None,
) -> None:
    """Change the file store's passphrase (atomic: a crash leaves the old one or the new one working).

    Examples:
        wallet passwd
        wallet passwd --new-passphrase-file new-passphrase
    """


@implemented_by("store migrate", "wallet.cli.lifecycle:store_migrate")
def store_migrate(
    to: Annotated[StoreTarget, typer.Option("--to", help="Where to keep the secret from now on.")],
) -> None:
    """Move the GUID and master secret to the OS keyring or to an encrypted file; every identifier stays the same.

    Examples:
        wallet store migrate --to keyring
        wallet store migrate --to file --passphrase-file new-passphrase
    """


@implemented_by("destroy", "wallet.cli.lifecycle:destroy", groups=("json",))
def destroy(yes: YesOpt = False) -> None:
    """Delete this wallet: its files and its OS keyring item. Without a backup its identity is gone for good.

    Examples:
        wallet export wallet.backup && wallet destroy
        wallet destroy --yes --json
    """


@implemented_by("demo", "wallet.cli.demo:demo", groups=())
def demo() -> None:
    """Walk through a complete flow in a temporary wallet (nothing is kept).

    Examples:
        wallet demo
    """


# -- the agent -------------------------------------------------------------------------------------
@implemented_by("agent", "wallet.cli.agent.command:agent", groups=("unlocks",))
def agent(
    action: Annotated[AgentAction, typer.Argument(metavar="[start|stop]", help="start (the default): unlock the wallet and serve it; stop: stop the agent WALLET_AGENT_SOCK names.")] = AgentAction.START,
    idle: Annotated[str, typer.Option("--idle", metavar="DURATION", help="Stop after this long without a request (90s, 15m, 8h, 2d).")] = "15m",
    lifetime: Annotated[str, typer.Option("--lifetime", metavar="DURATION", help="Stop after this long in any case.")] = "8h",
    request_timeout: Annotated[int, typer.Option("--request-timeout", metavar="SECONDS", help="Stop a command that runs longer (a prompt left unanswered, a stdin never closed).")] = 60,
    foreground: Annotated[bool, typer.Option("--foreground", help="Do not detach: serve from this process, log to stderr, stop on Ctrl-C (for a service manager).")] = False,
) -> None:
    """Unlock the wallet once and sign for this user's commands: an agent behind a private Unix socket (see AGENT in man wallet).

    It prints shell lines setting WALLET_AGENT_SOCK; a command that needs the secret (pseudonym, assert, sign-sdp,
    explain, history, persona, endorse, rule and dest commands) then runs in the agent, without a passphrase or a
    keyring call. Only its own user may connect; it never hands out the secret; export, import, passwd,
    store migrate, destroy, init and status always unlock the wallet themselves.

    Examples:
        eval "$(wallet agent)"                        # unlock once; this shell's commands then sign through it
        eval "$(wallet agent --idle 5m --lifetime 1h)" && wallet sign-sdp --to shop.example offer.sdp > offer.signed.sdp && eval "$(wallet agent stop)"
        eval "$(wallet agent stop)"
    """


#: Top-level commands in the order help lists them (groups gather the commands declared as "GROUP NAME").
ORDER = ("init", "status", "persona", "pseudonym", "endorse", "assert", "sign-sdp", "sdp", "verify", "encryption-key", "trust", "history",
         "explain", "dest", "rule", "policy", "idp", "gateway", "export", "import", "passwd", "store",
         "destroy", "agent", "browser-signer", "completion", "demo")
