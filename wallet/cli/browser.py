"""``wallet idp proxy``: write the browser IdP proxy (wallet.browser.proxy) under a site root, atomically."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import IdpProxyArgs

from wallet.cli.output import Output


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
    script = render(domain=a["domain"], audiences=a["audience"], trust=trust)  # usage errors before any write
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
    out.product({"file": target, "domain": a["domain"], "path": "/" + PROXY_PATH, "bytes": len(script)}, target)
