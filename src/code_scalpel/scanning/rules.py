"""The rule tables: what a source, a sink and a sanitizer is.

Everything the taint engine knows about libraries lives here as data, so
adding a framework or a sink is one table row, not a new branch of code.
Names are fully qualified after import resolution (``from os import system``
makes ``system(...)`` the call ``os.system``).
"""

from __future__ import annotations

from dataclasses import dataclass

# -- rules -------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    cwe: int
    severity: str  # "critical" | "high" | "medium" | "low"
    confidence: float  # how sure a match of the rule is, before the source's own weight
    fix: str
    help: str


_RULES = (
    Rule(
        "sql-injection",
        "SQL injection",
        89,
        "critical",
        0.95,
        "Pass user data as query parameters (cursor.execute(sql, params)), never by formatting the SQL string.",
        "User-controlled data reaches an SQL statement that is built as a string.",
    ),
    Rule(
        "command-injection",
        "OS command injection",
        78,
        "critical",
        0.95,
        "Call subprocess with a list of arguments and shell=False; if a shell is unavoidable, shlex.quote each value.",
        "User-controlled data reaches a shell command or chooses the program to run.",
    ),
    Rule(
        "code-injection",
        "Code injection",
        94,
        "critical",
        0.95,
        "Never eval/exec user data; parse literals with ast.literal_eval or json.loads, or dispatch through a dict.",
        "User-controlled data is evaluated as Python code or as a template.",
    ),
    Rule(
        "path-traversal",
        "Path traversal",
        22,
        "high",
        0.9,
        "Reduce the name with os.path.basename or werkzeug's secure_filename, or use send_from_directory/safe_join.",
        "User-controlled data chooses a file path that is opened, sent or removed.",
    ),
    Rule(
        "ssrf",
        "Server-side request forgery",
        918,
        "high",
        0.9,
        "Build the URL from a fixed scheme and host and put user data only in the path or query, or check the host "
        "against an allowlist.",
        "User-controlled data chooses the URL or host of an outgoing request.",
    ),
    Rule(
        "xss",
        "Cross-site scripting",
        79,
        "high",
        0.9,
        "Render through an autoescaping template (render_template with a variable) or html.escape the value.",
        "User-controlled data reaches an HTML response or is marked safe without escaping.",
    ),
    Rule(
        "unsafe-deserialization",
        "Deserialization of untrusted data",
        502,
        "critical",
        0.95,
        "Use json, or yaml.safe_load; never unpickle or marshal data that crossed a trust boundary.",
        "User-controlled bytes are deserialized with a format that can run code.",
    ),
    Rule(
        "xxe",
        "XML external entity expansion",
        611,
        "high",
        0.85,
        "Parse untrusted XML with defusedxml, or an lxml XMLParser(resolve_entities=False, no_network=True).",
        "User-controlled XML is parsed with entity resolution enabled.",
    ),
    Rule(
        "ldap-injection",
        "LDAP injection",
        90,
        "high",
        0.9,
        "Escape values with ldap.filter.escape_filter_chars (ldap3: escape_filter_chars) before building the filter.",
        "User-controlled data is formatted into an LDAP search filter or base.",
    ),
    Rule(
        "xpath-injection",
        "XPath injection",
        643,
        "high",
        0.9,
        "Pass values as XPath variables (tree.xpath('//u[@name=$n]', n=value)) instead of formatting the expression.",
        "User-controlled data is formatted into an XPath expression.",
    ),
    Rule(
        "open-redirect",
        "Open redirect",
        601,
        "medium",
        0.85,
        "Redirect only to url_for(...) targets or check the URL with url_has_allowed_host_and_scheme / an allowlist.",
        "User-controlled data chooses the target of a redirect.",
    ),
    Rule(
        "trust-boundary",
        "Trust boundary violation",
        501,
        "medium",
        0.8,
        "Validate the value (type, allowlist) before storing it in the session, which later code trusts.",
        "User-controlled data is stored in the server-side session without validation.",
    ),
    Rule(
        "weak-password-hash",
        "Weak password hash",
        916,
        "high",
        0.8,
        "Hash passwords with a slow salted KDF: hashlib.scrypt, hashlib.pbkdf2_hmac (600k+ iterations), bcrypt or "
        "argon2.",
        "A password is hashed with a fast general-purpose hash.",
    ),
    Rule(
        "weak-random",
        "Weak random for a security value",
        330,
        "medium",
        0.8,
        "Use the secrets module (secrets.token_urlsafe, secrets.choice) for tokens, passwords and keys.",
        "A security token is generated with the non-cryptographic random module.",
    ),
    Rule(
        "insecure-cookie",
        "Cookie without Secure/HttpOnly",
        614,
        "medium",
        0.8,
        "Set cookies with secure=True, httponly=True and samesite='Lax' (or the framework's matching settings).",
        "A cookie is set without the Secure or HttpOnly attribute.",
    ),
)

RULES: dict[str, Rule] = {r.id: r for r in _RULES}

#: Categories a value can be cleaned for; "*" in a sanitizer row means all of them.
TAINT_RULES = frozenset(r.id for r in _RULES if r.id not in ("weak-password-hash", "weak-random", "insecure-cookie"))
ALL = frozenset({"*"})

# -- sources -----------------------------------------------------------------

#: Names that denote the current HTTP request in Flask, Django, FastAPI/Starlette, aiohttp, Bottle, Quart.
REQUEST_NAMES = frozenset({"request", "req", "self.request", "flask.request", "quart.request", "bottle.request"})

#: Attributes of a request object that carry client data.
REQUEST_ATTRS = frozenset(
    {
        # Flask / Werkzeug / Quart
        "args",
        "form",
        "values",
        "json",
        "data",
        "headers",
        "cookies",
        "files",
        "view_args",
        "stream",
        "get_json",
        "get_data",
        "query_string",
        "full_path",
        "path",
        "url",
        "base_url",
        "environ",
        "authorization",
        "referrer",
        "user_agent",
        "host",
        "remote_user",
        # Django
        "GET",
        "POST",
        "COOKIES",
        "FILES",
        "META",
        "body",
        "content_params",
        "get_full_path",
        "read",
        "readline",
        # FastAPI / Starlette
        "query_params",
        "path_params",  # aiohttp
        "match_info",
        "query",
        "rel_url",
        "post",
        "text",
        "content",
        "raw_path",
        "multipart",
    }
)

#: Calls (qualified) whose result is user-controlled.  Value: source kind, confidence weight.
SOURCE_CALLS: dict[str, tuple[str, float]] = {
    "input": ("stdin", 0.8),
    "raw_input": ("stdin", 0.8),
    "os.getenv": ("environment", 0.5),
    "os.environ.get": ("environment", 0.5),
    "os.getenvb": ("environment", 0.5),
    "sys.stdin.read": ("stdin", 0.8),
    "sys.stdin.readline": ("stdin", 0.8),
    "sys.stdin.readlines": ("stdin", 0.8),
    "flask.request.get_json": ("http", 1.0),
    "flask.request.get_data": ("http", 1.0),
}

#: Qualified names whose value is user-controlled.
SOURCE_NAMES: dict[str, tuple[str, float]] = {
    "sys.argv": ("argv", 0.7),
    "os.environ": ("environment", 0.5),
    "sys.stdin": ("stdin", 0.8),
    "flask.request": ("http", 1.0),
}

#: Method names that read from a socket, whatever the receiver.
SOCKET_READS = frozenset({"recv", "recvfrom", "recv_into", "recvmsg", "makefile"})

#: Sources turned on by ``extra_sources`` (off by default: they are only user data in some programs).
OPTIONAL_SOURCE_METHODS: dict[str, dict[str, tuple[str, float]]] = {
    "file": {
        "read": ("file", 0.6),
        "readline": ("file", 0.6),
        "readlines": ("file", 0.6),
        "read_text": ("file", 0.6),
        "read_bytes": ("file", 0.6),
    },
    "network": {
        "json": ("network", 0.6),
        "text": ("network", 0.6),
        "content": ("network", 0.6),
        "read": ("network", 0.6),
    },
}

#: Route decorators: ``@app.route("/u/<name>")``, ``@router.get("/items/{id}")``.
ROUTE_DECORATORS = frozenset(
    {"route", "get", "post", "put", "delete", "patch", "api_route", "websocket", "head", "options", "view"}
)

#: Parameter annotations that a framework converts before the view runs (FastAPI typed path params).
SAFE_PARAM_TYPES = frozenset(
    {
        "int",
        "float",
        "bool",
        "UUID",
        "uuid.UUID",
        "datetime",
        "date",
        "Decimal",
        "Request",
        "WebSocket",
        "Session",
        "BackgroundTasks",
        "Response",
    }
)

# -- sanitizers and neutral calls --------------------------------------------

#: Calls whose result is clean for the given rule ids ("*" = every rule).
SANITIZERS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        (
            "int",
            "float",
            "bool",
            "len",
            "ord",
            "abs",
            "round",
            "complex",
            "hash",
            "id",
            "isinstance",
            "uuid.UUID",
            "decimal.Decimal",
            "datetime.date.fromisoformat",
            "ipaddress.ip_address",
            "flask.url_for",
            "django.urls.reverse",
            "secrets.token_hex",
            "secrets.token_urlsafe",
            "secrets.token_bytes",
            "uuid.uuid4",
            "time.time",
            "os.path.exists",
            "os.path.isfile",
            "os.path.isdir",
            "callable",
            "type",
            "hmac.compare_digest",
            "secrets.compare_digest",
            "hashlib.sha256.hexdigest",
        ),
        ALL,
    ),
    **dict.fromkeys(("shlex.quote", "pipes.quote"), frozenset({"command-injection"})),
    **dict.fromkeys(
        (
            "html.escape",
            "markupsafe.escape",
            "flask.escape",
            "cgi.escape",
            "django.utils.html.escape",
            "bleach.clean",
            "jinja2.escape",
            "xml.sax.saxutils.escape",
            "markupsafe.Markup.escape",
        ),
        frozenset({"xss"}),
    ),
    **dict.fromkeys(
        (
            "os.path.basename",
            "werkzeug.utils.secure_filename",
            "werkzeug.secure_filename",
            "werkzeug.utils.safe_join",
            "werkzeug.security.safe_join",
            "flask.safe_join",
            "posixpath.basename",
            "ntpath.basename",
        ),
        frozenset({"path-traversal"}),
    ),
    **dict.fromkeys(
        (
            "ldap.filter.escape_filter_chars",
            "ldap3.utils.conv.escape_filter_chars",
            "ldap.dn.escape_dn_chars",
            "ldap3.utils.dn.escape_rdn",
        ),
        frozenset({"ldap-injection"}),
    ),
    **dict.fromkeys(
        ("urllib.parse.quote", "urllib.parse.quote_plus", "urllib.parse.urlencode"),
        frozenset({"path-traversal", "command-injection", "ldap-injection", "xpath-injection"}),
    ),
}

#: Project helpers named like an HTML escaper are trusted as one (their body is often a chain of replaces).
NAMED_HTML_ESCAPER = r"(?i)^(?:escape_?(?:for_?)?html|html_?escape|encode_?for_?html|sanitize_?html|escape_?xml)$"

#: Methods whose result is clean whatever the receiver (they return numbers, booleans or digests).
CLEAN_METHODS = frozenset(
    {
        "hexdigest",
        "digest",
        "isdigit",
        "isalnum",
        "isnumeric",
        "isdecimal",
        "isalpha",
        "startswith",
        "endswith",
        "count",
        "index",
        "find",
        "rfind",
        "__len__",
        "keys_count",
    }
)

#: ``x.isdigit()`` and friends: a true result means x holds no metacharacters.
VALIDATING_METHODS = frozenset({"isdigit", "isnumeric", "isdecimal", "isalnum", "isalpha", "isidentifier"})

#: Calls whose true result means the value is safe (allowlist-style checks).
VALIDATING_CALLS = frozenset(
    {
        "django.utils.http.url_has_allowed_host_and_scheme",
        "django.utils.http.is_safe_url",
        "re.fullmatch",
        "is_safe_url",
        "url_has_allowed_host_and_scheme",
    }
)

#: Calls that never return (used to know that code after ``if bad: abort()`` runs only when not bad).
NORETURN_CALLS = frozenset(
    {
        "flask.abort",
        "abort",
        "sys.exit",
        "exit",
        "quit",
        "os._exit",
        "django.core.exceptions.PermissionDenied",
        "fastapi.HTTPException",
        "werkzeug.exceptions.abort",
    }
)

# -- sinks -------------------------------------------------------------------


@dataclass(frozen=True)
class Sink:
    rule: str
    #: Positions of the arguments that must not be tainted.
    args: tuple[int, ...] = (0,)
    #: Keyword names that must not be tainted (the same parameter passed by name).
    kwargs: tuple[str, ...] = ()
    #: A special check (see ``sinks.py``): "subprocess", "yaml", "lxml", "numpy", "response".
    mode: str = ""
    #: Confidence weight of this particular sink (1.0 = as sure as the rule).
    weight: float = 1.0


_SQL = Sink("sql-injection", (0,), ("sql", "query", "statement", "operation", "sql_script"))
_CMD = Sink("command-injection", (0,), ("cmd", "command"))
_CMD_SUBPROCESS = Sink("command-injection", (0,), ("args",), mode="subprocess")
_CODE = Sink("code-injection", (0,), ("source", "expression", "code"))
_PATH = Sink("path-traversal", (0,), ("file", "path", "filename", "path_or_file", "name"))
_SSRF = Sink("ssrf", (0,), ("url",))
_XSS = Sink("xss", (0,), ("source", "content", "html", "s", "body"))
_DESER = Sink("unsafe-deserialization", (0,), ("data", "file", "s", "stream"))
_XXE_LXML = Sink("xxe", (0,), ("source", "text"), mode="lxml")
# CPython's own parsers do not fetch external entities (since 3.7.1): only entity expansion remains, so these
# stay below the default threshold unless a SAX parser was told to resolve external entities (see sinks.py).
_XXE_STDLIB = Sink("xxe", (0,), ("source", "text", "string", "file"), mode="stdlib_xml", weight=0.5)
_WEAK_HASH = Sink("weak-password-hash", (0,), ("data", "string"), weight=0.7)
_XPATH = Sink("xpath-injection", (0,), ("path", "_path"))
_REDIRECT = Sink("open-redirect", (0,), ("location", "url", "redirect_to", "to"))


def _each(names: str, sink: Sink) -> dict[str, Sink]:
    return dict.fromkeys(names.split(), sink)


#: Sinks by qualified callee name.
SINK_CALLS: dict[str, Sink] = {
    **_each(
        "sqlalchemy.text sqlalchemy.sql.text sqlalchemy.sql.expression.text pandas.read_sql pandas.read_sql_query", _SQL
    ),
    **_each(
        "os.system os.popen os.popen2 os.popen3 commands.getoutput commands.getstatusoutput "
        "subprocess.getoutput subprocess.getstatusoutput",
        _CMD,
    ),
    **_each(
        "subprocess.run subprocess.call subprocess.Popen subprocess.check_output subprocess.check_call",
        _CMD_SUBPROCESS,
    ),
    "asyncio.create_subprocess_shell": _CMD,
    "asyncio.create_subprocess_exec": Sink("command-injection", (), (), mode="exec_args"),
    **_each(
        "os.execv os.execve os.execvp os.execvpe os.execl os.execle os.execlp os.execlpe os.spawnv "
        "os.spawnve os.spawnvp os.spawnl os.spawnlp os.startfile",
        _CMD,
    ),
    **_each(
        "eval exec compile builtins.eval builtins.exec builtins.compile jinja2.Template jinja2.Environment.from_string",
        _CODE,
    ),
    **_each(
        "open io.open builtins.open codecs.open os.open os.remove os.unlink os.rmdir os.removedirs "
        "os.listdir shutil.rmtree shutil.copy shutil.copyfile shutil.copy2 shutil.move flask.send_file "
        "django.http.FileResponse starlette.responses.FileResponse fastapi.responses.FileResponse "
        "tarfile.open zipfile.ZipFile pathlib.Path.open os.makedirs os.mkdir os.rename os.replace shutil.copytree "
        "os.chmod",
        _PATH,
    ),
    **_each(
        "requests.get requests.post requests.put requests.patch requests.delete requests.head "
        "requests.options httpx.get httpx.post httpx.put httpx.patch httpx.delete httpx.head httpx.stream "
        "urllib.request.urlopen urllib.request.Request urllib.urlopen urllib2.urlopen urllib3.request "
        "http.client.HTTPConnection http.client.HTTPSConnection requests.Session.get requests.Session.post "
        "requests.Session.put requests.Session.delete httpx.Client.get httpx.Client.post "
        "httpx.AsyncClient.get httpx.AsyncClient.post aiohttp.ClientSession.get aiohttp.ClientSession.post "
        "aiohttp.request urllib3.PoolManager.request",
        _SSRF,
    ),
    "requests.request": Sink("ssrf", (1,), ("url",)),
    "httpx.request": Sink("ssrf", (1,), ("url",)),
    **_each(
        "flask.render_template_string markupsafe.Markup flask.Markup jinja2.Markup "
        "django.utils.safestring.mark_safe django.utils.html.format_html_join",
        _XSS,
    ),
    **_each(
        "django.http.HttpResponse starlette.responses.HTMLResponse fastapi.responses.HTMLResponse "
        "flask.make_response flask.Response werkzeug.Response werkzeug.wrappers.Response "
        "starlette.responses.Response aiohttp.web.Response",
        Sink("xss", (0,), ("content", "response", "body", "text"), mode="response"),
    ),
    **_each(
        "pickle.loads pickle.load cPickle.loads cPickle.load _pickle.loads _pickle.load dill.loads dill.load "
        "marshal.loads marshal.load jsonpickle.decode pandas.read_pickle shelve.open yaml.unsafe_load "
        "yaml.full_load yaml.unsafe_load_all pickle.Unpickler",
        _DESER,
    ),
    **_each("yaml.load yaml.load_all", Sink("unsafe-deserialization", (0,), ("stream",), mode="yaml")),
    "numpy.load": Sink("unsafe-deserialization", (0,), ("file",), mode="numpy"),
    **_each(
        "lxml.etree.fromstring lxml.etree.XML lxml.etree.parse lxml.etree.iterparse lxml.objectify.fromstring "
        "lxml.objectify.parse",
        _XXE_LXML,
    ),
    **_each(
        "xml.etree.ElementTree.fromstring xml.etree.ElementTree.parse xml.etree.ElementTree.XML "
        "xml.etree.cElementTree.fromstring xml.etree.cElementTree.parse xml.dom.minidom.parseString "
        "xml.dom.minidom.parse xml.dom.pulldom.parseString xml.sax.parseString xml.sax.parse",
        _XXE_STDLIB,
    ),
    **_each("lxml.etree.XPath lxml.etree.ETXPath", _XPATH),
    **_each(
        "flask.redirect django.shortcuts.redirect django.http.HttpResponseRedirect "
        "django.http.HttpResponsePermanentRedirect starlette.responses.RedirectResponse "
        "fastapi.responses.RedirectResponse werkzeug.utils.redirect aiohttp.web.HTTPFound "
        "bottle.redirect",
        _REDIRECT,
    ),
    "ldap3.Connection.search": Sink("ldap-injection", (0, 1), ("search_base", "search_filter")),
    # md5/sha1 of user-supplied data (a password, a token): a weak hash of a secret the user chose.
    **_each("hashlib.md5 hashlib.sha1 hashlib.md5.update hashlib.sha1.update", _WEAK_HASH),
    "hashlib.new": Sink("weak-password-hash", (1,), ("data",), mode="hash_new", weight=0.7),
}

#: Response objects whose body, set through an attribute, is served as HTML by default.
RESPONSE_FACTORIES = frozenset({"Response", "make_response", "response_class", "HttpResponse", "HTMLResponse"})
RESPONSE_BODY_ATTRS = frozenset({"data", "body", "content", "text"})

#: Sinks by method name when the receiver is an object the engine cannot type (a cursor, a tree, a connection).
SINK_METHODS: dict[str, Sink] = {
    "execute": _SQL,
    "executemany": _SQL,
    "executescript": _SQL,
    "exec_driver_sql": _SQL,
    "raw": Sink("sql-injection", (0,), ("raw_query",)),
    "extra": Sink("sql-injection", (), ("where", "select", "tables", "order_by")),
    "read_sql": _SQL,
    "xpath": _XPATH,
    "search_s": Sink("ldap-injection", (0, 2), ("base", "filterstr")),
    "search_st": Sink("ldap-injection", (0, 2), ("base", "filterstr")),
    "search_ext_s": Sink("ldap-injection", (0, 2), ("base", "filterstr")),
    "search_ext": Sink("ldap-injection", (0, 2), ("base", "filterstr")),
    "from_string": _CODE,
    "set_data": Sink("xss", (0,), ("value",), weight=0.9),
}

#: Method sinks that apply only when the receiver itself is tainted (``Path(user).read_text()``).
RECEIVER_SINK_METHODS: dict[str, str] = {
    **dict.fromkeys(
        ("read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir", "open"), "path-traversal"
    ),
}

#: Where the session lives: a write of user data into it is a trust-boundary violation.
SESSION_NAMES = frozenset({"flask.session", "session", "request.session", "self.request.session", "quart.session"})

#: Loaders that make ``yaml.load`` safe.
SAFE_YAML_LOADERS = frozenset(
    {"SafeLoader", "CSafeLoader", "BaseLoader", "yaml.SafeLoader", "yaml.CSafeLoader", "yaml.BaseLoader"}
)

#: Shells: ``subprocess.run(["sh", "-c", user])`` runs user data as a command line.
SHELLS = frozenset(
    {
        "sh",
        "bash",
        "zsh",
        "dash",
        "ksh",
        "/bin/sh",
        "/bin/bash",
        "/usr/bin/bash",
        "/bin/zsh",
        "cmd",
        "cmd.exe",
        "powershell",
        "powershell.exe",
        "pwsh",
    }
)

# -- pattern rules (no taint needed) -----------------------------------------

FAST_HASHES = frozenset(
    {
        "hashlib.md5",
        "hashlib.sha1",
        "hashlib.sha224",
        "hashlib.sha256",
        "hashlib.sha384",
        "hashlib.sha512",
        "hashlib.sha3_256",
        "hashlib.sha3_512",
        "hashlib.blake2b",
        "hashlib.blake2s",
        "hashlib.new",
        "md5.new",
        "sha.new",
        "Crypto.Hash.MD5.new",
        "Crypto.Hash.SHA256.new",
    }
)
PASSWORD_WORDS = ("password", "passwd", "passwort", "pwd", "passphrase", "pass_", "_pass", "pw_", "userpass")

WEAK_RANDOM = frozenset(
    {
        *(
            f"random.{name}"
            for name in (
                "random", "randint", "randrange", "choice", "choices", "sample", "getrandbits", "uniform",
                "randbytes", "gauss", "normalvariate", "lognormvariate", "expovariate", "triangular",
                "betavariate", "gammavariate", "paretovariate", "weibullvariate", "vonmisesvariate",
                "binomialvariate",
            )
        ),
        "numpy.random.randint",
        "numpy.random.rand",
        "numpy.random.choice",
        "numpy.random.random",
    }
)  # fmt: skip
SECURITY_WORDS = (
    "token",
    "secret",
    "password",
    "passwd",
    "nonce",
    "otp",
    "salt",
    "csrf",
    "session_id",
    "sessionid",
    "api_key",
    "apikey",
    "reset",
    "verification",
    "verify_code",
    "auth",
    "_key",
    "pin_code",
    "one_time",
)
