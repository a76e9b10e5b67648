"""Swedish for the words click and typer print themselves (help, usage, their errors).

Both libraries mark their strings for gettext but ship no Swedish catalogue, and their
panel titles are module constants. :func:`use_swedish` replaces the gettext function they
call and those constants, so `samverkan --help` and a mistyped option read in Swedish.
"""

from __future__ import annotations

from typing import Any

SWEDISH = {
    "Show this message and exit.": "Visa den här hjälpen och avsluta.",
    "Usage:": "Användning:",
    "Options": "Flaggor",
    "Commands": "Kommandon",
    "Arguments": "Argument",
    "Error": "Fel",
    "Aborted.": "Avbrutet.",
    "[default: {}]": "[standard: {}]",
    "[env var: {}]": "[miljövariabel: {}]",
    "[required]": "[krävs]",
    "(deprecated) ": "(utgår) ",
    "Try [blue]'{command_path} {help_option}'[/] for help.": (
        "Skriv [blue]'{command_path} {help_option}'[/] för hjälp."
    ),
    "Try {command} for help.": "Skriv {command} för hjälp.",
    "Try '{command} {option}' for help.": "Skriv '{command} {option}' för hjälp.",
    "Missing argument '{name}'.": "Argumentet '{name}' saknas.",
    "Missing option '{name}'.": "Flaggan '{name}' saknas.",
    "Missing parameter: {param_name}": "Parametern saknas: {param_name}",
    "No such command {name!r}.": "Kommandot {name!r} finns inte.",
    "No such option: {name}": "Flaggan finns inte: {name}",
    "Got unexpected extra argument ({args})": "Oväntat extra argument ({args})",
    "Got unexpected extra arguments ({args})": "Oväntade extra argument ({args})",
    "Invalid value for {param_hint}: {message}": "Ogiltigt värde för {param_hint}: {message}",
    "Invalid value: {message}": "Ogiltigt värde: {message}",
    "Option {name!r} requires an argument.": "Flaggan {name!r} kräver ett värde.",
    "{value!r} is not a valid integer.": "{value!r} är inget heltal.",
    "{value!r} is not a valid boolean.": "{value!r} är varken sant eller falskt.",
    "Did you mean {possibility}?": "Menade du {possibility}?",
    "(Possible options: {possibilities})": "(Möjliga flaggor: {possibilities})",
}
_TYPE_NAMES = {"<str>": "TEXT", "<int>": "HELTAL", "<path>": "SÖKVÄG", "<float>": "TAL"}
_PANELS = {
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "DEPRECATED_STRING": "(deprecated) ",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}


def swedish(message: str) -> str:
    return SWEDISH.get(message, message)


def _display_type(original: Any):
    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False):
            return None  # a flag takes no value: no type to show
        shown = original(self, ctx)
        return _TYPE_NAMES.get(str(shown).lower(), shown) if shown else shown

    return display_type_rich


# Messages of typer's own copy of click, which has no gettext: (English start, Swedish).
_ERROR_STARTS = (
    ("Missing option ", "Flaggan saknas: "),
    ("Missing argument ", "Argumentet saknas: "),
    ("Missing parameter: ", "Parametern saknas: "),
    ("No such option: ", "Flaggan finns inte: "),
    ("No such command ", "Kommandot finns inte: "),
    ("Got unexpected extra argument", "Oväntat extra argument"),
    ("Invalid value for ", "Ogiltigt värde för "),
    ("Invalid value: ", "Ogiltigt värde: "),
)
OPTIONS_METAVAR = "[FLAGGOR]"
SUBCOMMAND_METAVAR = "KOMMANDO [ARGUMENT]..."


def swedish_error(message: str) -> str:
    for english, translated in _ERROR_STARTS:
        if message.startswith(english):
            return translated + message[len(english) :]
    return message


def _translated(format_message):
    return lambda self: swedish_error(format_message(self))


def _patch_vendored_click() -> None:
    """typer >= 0.20 carries its own click (typer._click) with English literals."""
    try:
        import typer._click.decorators as decorators
        import typer._click.exceptions as exceptions
        import typer._click.formatting as formatting
    except ImportError:  # a typer that uses click itself: gettext covers it
        return
    if getattr(decorators.help_option, "_swedish", False):
        return
    original_help = decorators.help_option

    def help_option(param_decls):
        def add(command):
            command = original_help(param_decls)(command)
            for param in command.params:
                if param.help == "Show this message and exit.":
                    param.help = SWEDISH["Show this message and exit."]
            return command

        return add

    help_option._swedish = True
    decorators.help_option = help_option
    import typer._click.core as core

    if hasattr(core, "help_option"):
        core.help_option = help_option
    original_usage = formatting.HelpFormatter.write_usage

    def write_usage(self, prog, args="", prefix=None):
        return original_usage(self, prog, args, "Användning: " if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage
    for error in vars(exceptions).values():
        if isinstance(error, type) and issubclass(error, exceptions.UsageError):
            if "format_message" in vars(error):
                error.format_message = _translated(vars(error)["format_message"])


def use_swedish() -> None:
    """Make click and typer print Swedish (idempotent)."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types
    import typer.core
    import typer.rich_utils

    for module in (click.core, click.decorators, click.exceptions, click.formatting,
                   click.parser, click.types, typer.rich_utils, typer.core):  # fmt: skip
        if hasattr(module, "_"):
            module._ = swedish
    for name, english in _PANELS.items():
        setattr(typer.rich_utils, name, swedish(english))
    _patch_vendored_click()
    option = typer.core.TyperOption
    if not getattr(option.display_type_rich, "_swedish", False):
        option.display_type_rich = _display_type(option.display_type_rich)
        option.display_type_rich._swedish = True
