"""One rendering of ``description.txt`` per message (issue 19).

The calendar's DESCRIPTION and the plain mail (``body.txt`` includes ``description.txt``)
say the same words, filled from the same variables: the description is rendered once per
message and its text used again by the include. A rendering is reused only for the very
context object it was made from (each message's variables are one dict, never changed:
:meth:`~meetlink.invites.templates.Templates.description`), with no local variables of the
including template; anything else is rendered afresh. Each thread keeps its own last one.

Example:
    >>> import jinja2
    >>> env = jinja2.Environment(loader=jinja2.DictLoader({"d.txt": "{{ x }}!"}))
    >>> template = env.get_template("d.txt")
    >>> remember_last_rendering(template)
    >>> context = {"x": "Họp"}
    >>> env.concat(template.root_render_func(template.new_context(context, shared=True)))
    'Họp!'
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import jinja2
from jinja2.runtime import Context

__all__ = ["remember_last_rendering"]


def remember_last_rendering(template: jinja2.Template) -> None:
    """Make ``template`` give its last rendering again for the same context object."""
    render: Callable[[Context], Iterator[str]] = template.root_render_func
    last = threading.local()

    def remembered(context: Context) -> Iterator[str]:
        # An include with local variables gets a copy of the context: another object.
        made_from = context.parent
        known: tuple[object, list[str]] | None = getattr(last, "rendering", None)
        if known is not None and known[0] is made_from:
            yield from known[1]
            return
        last.rendering = None
        chunks = list(render(context))
        last.rendering = (made_from, chunks)
        yield from chunks

    template.root_render_func = remembered
