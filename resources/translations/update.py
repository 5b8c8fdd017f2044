"""Refresh the Korean translation from the console's sources and compile it.

    python resources/translations/update.py

1. Runs PySide6's own lupdate over every .py file under views/ and console/ and merges the
   strings into launchdesk_ko.ts: existing translations are kept, strings no longer in the
   sources are dropped (-no-obsolete), new ones arrive as unfinished.
2. Runs PySide6's lrelease on launchdesk_ko.ts to produce launchdesk_ko.qm, which
   console/resources.py:install_language loads for Korean.

After it, translate every message it reports as unfinished (Qt Linguist, or by hand in the
.ts: fill <translation> and remove type="unfinished"), then run it again to recompile the
.qm. tests/console/test_translations.py fails while any string is untranslated or the .qm
is out of date.

The files are only replaced when lupdate and lrelease succeed; the script exits non-zero
when either fails or a source file does not parse (lupdate would silently skip such a file,
and -no-obsolete would then throw away its translations).

One workaround is built in: lupdate reads a call through a local alias such as
``tr = QCoreApplication.translate; tr("Timeline", "When")`` as tr(source="Timeline",
comment="When") in an empty context, which never matches at run time. Such calls are read
as ``QCoreApplication.translate(...)`` instead (from a copy with the same line numbers),
and reported, so the strings land in the right context.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TS = HERE / "launchdesk_ko.ts"
QM = HERE / "launchdesk_ko.qm"
SOURCE_DIRS = ("views", "console")
LANGUAGE = "ko_KR"

Key = tuple[str, str, str]  # (context, source, disambiguation comment)


class ToolError(RuntimeError):
    """lupdate or lrelease is missing or failed, or the sources cannot be read."""


# --- the tools ------------------------------------------------------------------------------


def tool(name: str) -> Path:
    """lupdate / lrelease as shipped inside the installed PySide6 package."""
    try:
        import PySide6
    except ImportError as exc:  # pragma: no cover - the console cannot run without it
        raise ToolError(f"PySide6 is not installed ({exc})") from exc
    base = Path(PySide6.__file__).resolve().parent
    for candidate in (base / name, base / f"{name}.exe"):
        if candidate.is_file():
            return candidate
    found = shutil.which(f"pyside6-{name}")
    if found:
        return Path(found)
    raise ToolError(f"{name} not found in {base} (nor pyside6-{name} on PATH)")


def _run(command: Sequence[str | Path]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [str(part) for part in command],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except OSError as exc:
        raise ToolError(f"cannot run {command[0]}: {exc}") from exc


def _output(proc: subprocess.CompletedProcess[str]) -> str:
    return "\n".join(part.rstrip() for part in (proc.stdout, proc.stderr) if part.strip())


# --- the sources ----------------------------------------------------------------------------


def sources(root: Path = ROOT) -> list[Path]:
    """Every .py file under views/ and console/, sorted."""
    files: list[Path] = []
    for name in SOURCE_DIRS:
        files.extend(
            p for p in (root / name).rglob("*.py") if "__pycache__" not in p.relative_to(root).parts
        )
    return sorted(files)


@dataclass(frozen=True)
class AliasCall:
    path: Path
    line: int
    alias: str


@dataclass(frozen=True)
class BadCall:
    path: Path
    line: int
    problem: str


_TRANSLATE_OWNERS = {"QCoreApplication", "QGuiApplication", "QApplication"}


def _is_translate(node: ast.expr) -> bool:
    """QCoreApplication.translate (or PySide6.QtCore.QCoreApplication.translate...)."""
    if not (isinstance(node, ast.Attribute) and node.attr == "translate"):
        return False
    owner = node.value
    name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
    return name in _TRANSLATE_OWNERS


def _string_args(call: ast.Call, count: int) -> bool:
    return len(call.args) >= count and all(
        isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args[:count]
    )


def inspect_source(path: Path) -> tuple[list[AliasCall], list[BadCall]]:
    """Parse one source: calls made through an alias of translate, and tr() calls whose text
    cannot be translated (f-strings with values, non-literal text). SyntaxError propagates."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(path))
    aliases = {
        node.targets[0].id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and _is_translate(node.value)
    }
    alias_calls: list[AliasCall] = []
    bad: list[BadCall] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in aliases:
            if _string_args(node, 2):
                alias_calls.append(AliasCall(path, func.lineno, func.id))
            text_arg = node.args[1] if len(node.args) > 1 else None
        elif _is_translate(func):
            text_arg = node.args[1] if len(node.args) > 1 else None
        elif isinstance(func, ast.Attribute) and func.attr == "tr":
            text_arg = node.args[0] if node.args else None
        else:
            continue
        if text_arg is None:
            continue
        if isinstance(text_arg, ast.JoinedStr) and any(
            isinstance(v, ast.FormattedValue) for v in text_arg.values
        ):
            bad.append(BadCall(path, node.lineno, "f-string text: never matches a translation"))
        elif not _literal(text_arg):
            bad.append(BadCall(path, node.lineno, "text is not a string literal: lupdate skips it"))
    return alias_calls, bad


def _literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal(node.left) and _literal(node.right)
    return False


def _rewrite_aliases(path: Path, calls: Iterable[AliasCall]) -> str:
    """The file's text with each alias call spelled QCoreApplication.translate, lines kept."""
    lines = path.read_bytes().decode("utf-8").split("\n")  # lines as Python counts them
    by_line: dict[int, set[str]] = {}
    for call in calls:
        by_line.setdefault(call.line, set()).add(call.alias)
    for number, names in by_line.items():
        line = lines[number - 1]
        for name in names:
            line = re.sub(
                rf"(?<![\w.]){re.escape(name)}(?=\s*\()", "QCoreApplication.translate", line
            )
        lines[number - 1] = line
    return "\n".join(lines)


@dataclass
class Scan:
    files: list[Path]
    alias_calls: list[AliasCall]
    bad_calls: list[BadCall]
    output: str = ""  # what lupdate said


def scan(files: Sequence[Path]) -> Scan:
    alias_calls: list[AliasCall] = []
    bad_calls: list[BadCall] = []
    errors: list[str] = []
    for path in files:
        try:
            aliases, bad = inspect_source(path)
        except SyntaxError as exc:
            errors.append(f"{_rel(path)}:{exc.lineno}: {exc.msg}")
            continue
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{_rel(path)}: {exc}")
            continue
        alias_calls.extend(aliases)
        bad_calls.extend(bad)
    if errors:
        raise ToolError(
            "cannot read the sources (lupdate would skip them and drop their translations):\n  "
            + "\n  ".join(errors)
        )
    return Scan(list(files), alias_calls, bad_calls)


def _rel(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


# --- lupdate / lrelease ---------------------------------------------------------------------


def lupdate(ts: Path, files: Sequence[Path] | None = None, *, no_obsolete: bool = True) -> Scan:
    """Extract the strings of `files` (default: all sources) into `ts`, merging with what is
    there. `ts` is replaced only when lupdate succeeds."""
    files = list(files) if files is not None else sources()
    if not files:
        raise ToolError(f"no .py files under {', '.join(SOURCE_DIRS)} in {ROOT}")
    found = scan(files)
    ts = ts.resolve()
    work_ts = ts.parent / f".{ts.stem}.lupdate-{os.getpid()}{ts.suffix}"  # same folder: same paths
    with tempfile.TemporaryDirectory(prefix="launchdesk-lupdate-") as tmp_name:
        tmp = Path(tmp_name).resolve()
        # Files with alias calls are read from a copy (same name, same line numbers); the
        # copy's locations are mapped back to the real file afterwards.
        inputs: list[Path] = []
        renames: dict[str, str] = {}
        for path in files:
            calls = [c for c in found.alias_calls if c.path == path]
            if not calls:
                inputs.append(path)
                continue
            copy = tmp / path.resolve().relative_to(ROOT) if _under_root(path) else tmp / path.name
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(_rewrite_aliases(path, calls), encoding="utf-8", newline="")
            inputs.append(copy)
            renames[_ts_relpath(copy, work_ts)] = _ts_relpath(path, ts)
        command: list[str | Path] = [tool("lupdate"), *inputs]
        if no_obsolete:
            command.append("-no-obsolete")
        command += ["-locations", "absolute", "-target-language", LANGUAGE, "-ts", work_ts]
        try:
            if ts.exists():
                shutil.copyfile(ts, work_ts)
            proc = _run(command)
            if proc.returncode != 0 or not work_ts.exists():
                raise ToolError(f"lupdate failed (exit {proc.returncode}):\n{_output(proc)}")
            if renames:
                text = work_ts.read_text(encoding="utf-8")
                for old, new in renames.items():
                    text = text.replace(f'filename="{old}"', f'filename="{new}"')
                work_ts.write_text(text, encoding="utf-8")
            found.output = _output(proc)
            os.replace(work_ts, ts)
        finally:
            work_ts.unlink(missing_ok=True)
    return found


def _under_root(path: Path) -> bool:
    try:
        path.resolve().relative_to(ROOT)
    except ValueError:
        return False
    return True


def _ts_relpath(path: Path, ts: Path) -> str:
    return Path(os.path.relpath(path.resolve(), ts.resolve().parent)).as_posix()


def lrelease(ts: Path, qm: Path) -> str:
    """Compile `ts` into `qm`; `qm` is replaced only when lrelease succeeds."""
    qm = qm.resolve()
    work_qm = qm.parent / f".{qm.stem}.lrelease-{os.getpid()}{qm.suffix}"
    try:
        proc = _run([tool("lrelease"), ts, "-qm", work_qm])
        if proc.returncode != 0 or not work_qm.exists():
            raise ToolError(f"lrelease failed (exit {proc.returncode}):\n{_output(proc)}")
        os.replace(work_qm, qm)
    finally:
        work_qm.unlink(missing_ok=True)
    return _output(proc)


# --- reading a .ts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    comment: str
    numerus: bool
    finished: bool
    translations: tuple[str, ...]
    location: str

    @property
    def key(self) -> Key:
        return (self.context, self.source, self.comment)


def messages(ts: Path) -> list[Message]:
    result: list[Message] = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            kind = translation.get("type") if translation is not None else "unfinished"
            if kind in ("obsolete", "vanished"):
                continue
            numerus = message.get("numerus") == "yes"
            if translation is None:
                texts: tuple[str, ...] = ()
            elif numerus:
                texts = tuple(f.text or "" for f in translation.iter("numerusform"))
            else:
                texts = (translation.text or "",)
            loc = message.find("location")
            where = f"{loc.get('filename')}:{loc.get('line')}" if loc is not None else ""
            result.append(
                Message(
                    context=name,
                    source=message.findtext("source") or "",
                    comment=message.findtext("comment") or "",
                    numerus=numerus,
                    finished=kind is None,
                    translations=texts,
                    location=where,
                )
            )
    return result


# --- the command ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    if argv:
        print(__doc__)
        return 0 if argv[0] in ("-h", "--help") else 2
    try:
        lupdate_tool, lrelease_tool = tool("lupdate"), tool("lrelease")
        files = sources()
        before = {m.key: m for m in messages(TS)} if TS.exists() else {}
        print(f"lupdate: {lupdate_tool}")
        print(f"  reading {len(files)} files under {', '.join(d + '/' for d in SOURCE_DIRS)}")
        found = lupdate(TS, files)
        if found.output:
            said = found.output.replace(f".{TS.stem}.lupdate-{os.getpid()}", TS.stem)
            print("  " + said.replace("\n", "\n  "))
        by_file: dict[tuple[Path, str], list[int]] = {}
        for call in found.alias_calls:
            by_file.setdefault((call.path, call.alias), []).append(call.line)
        for (path, alias), lines in by_file.items():
            print(
                f"  note: {_rel(path)} translates through the alias {alias!r} = "
                f"QCoreApplication.translate (lines {', '.join(map(str, sorted(lines)))}); lupdate "
                "misreads that, so those calls were read as QCoreApplication.translate(...)"
            )
        for bad in found.bad_calls:
            print(f"  warning: {_rel(bad.path)}:{bad.line}: {bad.problem}")
        after = messages(TS)
        keys = {m.key for m in after}
        added = [m for m in after if m.key not in before]
        dropped = [m for k, m in before.items() if k not in keys]
        unfinished = [m for m in after if not m.finished]
        print(
            f"  {_rel(TS)}: {len(after)} messages ({len(added)} new, "
            f"{len(dropped)} dropped as no longer in the sources, {len(unfinished)} unfinished)"
        )
        for m in dropped:
            print(f"    dropped  [{m.context}] {m.source!r}")
        for m in unfinished:
            print(f"    to translate  [{m.context}] {m.source!r}  ({m.location})")

        print(f"lrelease: {lrelease_tool}")
        output = lrelease(TS, QM)
        if output:
            said = output.replace(f".{QM.stem}.lrelease-{os.getpid()}", QM.stem)
            print("  " + said.replace("\n", "\n  "))
        print(f"  wrote {_rel(QM)} ({QM.stat().st_size} bytes)")
    except (ToolError, ET.ParseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if unfinished:
        print(
            f"{len(unfinished)} message(s) still need a Korean translation: translate them in "
            f'{_rel(TS)} (remove type="unfinished") and run this script again.'
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
