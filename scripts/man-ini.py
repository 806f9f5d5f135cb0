#!/usr/bin/python3
"""man-ini.py - writes man/containarium.ini.5 from conf/containarium.ini.

The shipped config documents every key (what it does, "Type:", "Default:"),
so the manual page is generated from it and cannot drift:
tests/static/test_man.py fails when the checked-in page differs from what
this script prints.

    scripts/man-ini.py conf/containarium.ini > man/containarium.ini.5
"""

import re
import sys

KEY_LINE = re.compile(r"^([A-Za-z0-9_-]+)\s*=\s*(.*)$")
SECTION_LINE = re.compile(r"^\[([a-z]+)\]\s*$")

# Keys whose default is empty get an example of a set value.
EXAMPLES = {
    ("containers", "ssh_jump_host"): "ssh_jump_host = jump@gateway.example.org:2222",
    ("tls", "cert"): "cert = /etc/containarium/tls/server.crt",
    ("tls", "key"): "key = /etc/containarium/tls/server.key",
    ("tls", "client_ca"): "client_ca = /etc/containarium/tls/clients-ca.crt",
}

HEAD = r""".\" containarium.ini.5 - generated from conf/containarium.ini by
.\" scripts/man-ini.py; edit those, not this file.
.Dd November 30, 2026
.Dt CONTAINARIUM.INI 5
.Os
.Sh NAME
.Nm containarium.ini
.Nd configuration of the Containarium daemon
.Sh SYNOPSIS
.Pa /etc/containarium/containarium.ini
.Sh DESCRIPTION
.Xr containarium 8
reads its configuration from this file
.Po
or the one given with
.Fl \-config
.Pc
at start and on
.Dv SIGHUP .
"""

TAIL = r""".Sh FILES
.Bl -tag -width Ds -compact
.It Pa /etc/containarium/containarium.ini
The configuration.
.It Pa /usr/local/share/doc/containarium/containarium.ini
The shipped file, every key at its default;
.Ql make install
copies it to
.Pa /etc/containarium
only when no configuration is there yet.
.El
.Sh EXAMPLES
Check a changed file, then apply it without a restart:
.Bd -literal -offset indent
# containarium daemon --check-config \e
    --config /etc/containarium/containarium.ini
# systemctl reload containarium
.Ed
.Sh SEE ALSO
.Xr containarium 1 ,
.Xr containarium 8
"""


def escape_line(text):
    """One line of roff text: backslashes escaped, no leading control dot."""
    text = text.replace("\\", "\\e").strip()
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def escape(text):
    """Roff text lines for text, one sentence a line (mandoc wants that)."""
    sentences = re.split(r"(?<=[.!?])\s+(?=\S)", text.strip())
    return "\n".join(escape_line(s) for s in sentences if s)


def sentence(text):
    """text with its first letter in capitals."""
    return text[:1].upper() + text[1:]


def read_sections(path):
    """Returns [(section, intro_lines, [(keys, values, comment_lines)])] and the
    header comment lines before the first section."""
    header, sections = [], []
    block, pending = [], None
    with open(path) as f:
        lines = [line.rstrip("\n") for line in f]
    for line in lines:
        m = SECTION_LINE.match(line)
        if m:
            sections.append((m.group(1), [], []))
            block, pending = [], None
            continue
        if line.startswith(("#", ";")):
            block.append(line[1:].strip())
            pending = None
            continue
        m = KEY_LINE.match(line)
        if m and sections:
            if pending is None:
                pending = ([], [], block)
                sections[-1][2].append(pending)
                block = []
            pending[0].append(m.group(1))
            pending[1].append(m.group(2))
            continue
        # a blank line ends a comment block that has no key under it
        if block:
            if sections:
                sections[-1][1].extend(block + [""])
            else:
                header.extend(block + [""])
        block, pending = [], None
    return header, sections


def split_block(keys, comment):
    """Splits a key's comment into description, type and default paragraphs."""
    parts = {"desc": [], "type": [], "default": []}
    where = "desc"
    for i, line in enumerate(comment):
        if i == 0:
            prefix = ", ".join(keys) + ":"
            if line.startswith(prefix):
                line = line[len(prefix):]
        for label, name in (("Type:", "type"), ("Defaults:", "default"),
                            ("Default:", "default")):
            if line.startswith(label):
                where, line = name, line[len(label):]
                break
        parts[where].append(line)
    return {k: " ".join(x.strip() for x in v if x.strip()) for k, v in parts.items()}


def paragraphs(lines):
    """Groups lines into paragraphs at blank lines."""
    out, cur = [], []
    for line in lines:
        if line:
            cur.append(line)
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def emit_text(out, lines):
    for n, para in enumerate(paragraphs(lines)):
        if n:
            out.append(".Pp")
        out.append(escape(" ".join(para)))


def emit_key(out, section, key, value, info):
    out.append(".It Cm %s" % key)
    out.append(escape(sentence(info["desc"])) if info["desc"] else "See above.")
    out.append(".Bl -tag -width Default: -compact")
    out.append(".It Type:")
    out.append(escape(info["type"]) if info["type"] else "See above.")
    out.append(".It Default:")
    out.append(escape(info["default"]) if info["default"] else escape(value or '""'))
    out.append(".It Example:")
    example = EXAMPLES.get((section, key), "%s = %s" % (key, value))
    out.append(".Ql %s" % escape_line(example))
    out.append(".El")


def emit_remotes(out, entries):
    """[remotes] holds names of one's own choosing: one entry, then the defaults."""
    keys, values, comment = entries[0]
    out.append(".Bl -tag -width Ds")
    out.append(".It Ar name Cm = Ar URL")
    info = split_block([], comment)
    out.append(escape(sentence(info["desc"])))
    out.append(".Bl -tag -width Default: -compact")
    out.append(".It Default:")
    out.append(escape(info["default"]))
    out.append(".It Example:")
    out.append(".Ql %s = %s" % (keys[0], escape_line(values[0])))
    out.append(".El")
    out.append(".El")
    out.append("The shipped file lists the defaults:")
    out.append(".Bd -literal -offset indent")
    out.extend(escape_line("%s = %s" % kv) for kv in zip(keys, values))
    out.append(".Ed")


def render(path):
    header, sections = read_sections(path)
    out = HEAD.rstrip("\n").split("\n")
    out.append(".Pp")
    emit_text(out, header[1:] if header else [])
    out.append(".Sh KEYS")
    for section, intro, entries in sections:
        out.append(".Ss Bq %s" % section)
        if intro:
            emit_text(out, intro)
        if section == "remotes":
            emit_remotes(out, entries)
            continue
        out.append(".Bl -tag -width Ds")
        for keys, values, comment in entries:
            info = split_block(keys, comment)
            for key, value in zip(keys, values):
                emit_key(out, section, key, value, info)
        out.append(".El")
    out.extend(TAIL.rstrip("\n").split("\n"))
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: man-ini.py conf/containarium.ini")
    sys.stdout.write(render(sys.argv[1]))


if __name__ == "__main__":
    main()
