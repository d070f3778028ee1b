"""description.txt rendered once per message: for the calendar and again in body.txt's
include (issue 19), never reused for another context or an include with local variables."""

from __future__ import annotations

import jinja2

from meetlink.invites.templates import Templates
from meetlink.invites.templates.memo import remember_last_rendering
from meetlink.invites.variables import sample_spec


def environment(counter: list[int]) -> jinja2.Environment:
    env = jinja2.Environment(
        autoescape=jinja2.select_autoescape(),
        loader=jinja2.DictLoader(
            {
                "d.txt": "{{ tick() }}:{{ x }}",
                "body.txt": "[{% include 'd.txt' %}]",
                "looped.txt": "{% for x in ['a', 'b'] %}({% include 'd.txt' %}){% endfor %}",
            }
        ),
    )

    def tick() -> str:
        counter.append(1)
        return str(len(counter))

    env.globals["tick"] = tick
    remember_last_rendering(env.get_template("d.txt"))
    return env


def fill(env: jinja2.Environment, name: str, context: dict[str, object]) -> str:
    template = env.get_template(name)
    return env.concat(template.root_render_func(template.new_context(context, shared=True)))  # type: ignore[no-any-return]


def test_the_include_reuses_the_rendering_of_the_same_context() -> None:
    counter: list[int] = []
    env = environment(counter)
    context = {**env.globals, "x": "Họp"}
    assert fill(env, "d.txt", context) == "1:Họp"
    assert fill(env, "body.txt", context) == "[1:Họp]"
    assert len(counter) == 1


def test_another_context_or_local_variables_render_afresh() -> None:
    counter: list[int] = []
    env = environment(counter)
    first = {**env.globals, "x": "Họp"}
    assert fill(env, "d.txt", first) == "1:Họp"
    assert fill(env, "body.txt", {**env.globals, "x": "Hội nghị"}) == "[2:Hội nghị]"
    assert fill(env, "looped.txt", first) == "(3:a)(4:b)"  # the loop's x, not the context's
    assert fill(env, "d.txt", first) == "5:Họp"


def test_an_invitation_says_the_same_words_in_its_calendar_and_its_mail() -> None:
    templates = Templates.load("vi")
    spec = sample_spec()
    description = templates.description(spec)
    text, _ = templates.bodies(spec, "new", 0)
    assert description in text
    assert "Điểm cầu:" in description
