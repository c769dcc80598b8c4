"""Dependencies and workflows through the tools: a plan is shown as a graph first and made only
when the person approves it in a later message."""

from __future__ import annotations

from tools import catalog

PLAN = {
    "name": "weekly report", "when": "every Friday at 4pm",
    "steps": [
        {"name": "gather", "kind": "http", "url": "https://example.com/metrics"},
        {"name": "summarize", "kind": "ai", "prompt": "summarize the metrics", "after": ["gather"]},
        {"name": "email", "kind": "reminder", "message": "send the summary", "after": ["summarize"]},
    ],
}


def test_add_dependency_makes_one_task_wait_for_another(ctx, service):
    c = ctx()
    catalog.invoke("create_task", c, kind="reminder", message="backup", name="backup")
    catalog.invoke("create_task", c, kind="reminder", message="report", name="report")
    text = catalog.invoke("add_dependency", c, task="report", after="backup", condition="done").result
    assert text == "Done: 'report' now runs after 'backup' finishes."
    [(pred, condition)] = service.dependencies_of("report", actor=c.actor)["after"]
    assert pred.name == "backup" and condition == "done"


def test_a_workflow_plan_is_shown_first_and_made_after_the_persons_yes(ctx, service):
    c = ctx(turn=1)
    shown = catalog.invoke("create_workflow", c, **PLAN, confirmed=True).result  # too eager: same turn
    assert shown.startswith("Plan for workflow 'weekly report', every Friday at 16:00, Europe/Berlin:")
    assert "gather\n  → summarize\n    → email" in shown
    assert service.list_tasks() == []
    c.turn = 2
    changed = catalog.invoke("create_workflow", c, **{**PLAN, "name": "other"}, confirmed=True).result
    assert changed.startswith("Plan for workflow 'other'")  # a different plan needs its own yes
    done = catalog.invoke("create_workflow", c, **PLAN, confirmed=True).result
    assert done.startswith("Done: workflow 'weekly report' (task #1) with 3 steps, every Friday at 16:00")
    assert "next Fri 9 Jan 16:00" in done
    workflow = service.get_workflow("weekly report", actor=c.actor)
    assert sorted(workflow.steps) == ["email", "gather", "summarize"]
    assert workflow.graph.edges == [("gather", "summarize"), ("summarize", "email")]


def test_a_bad_plan_is_explained_before_anything_is_made(ctx, service):
    bad = {**PLAN, "steps": [{"name": "email", "kind": "reminder", "message": "x", "after": ["nowhere"]}]}
    text = catalog.invoke("create_workflow", ctx(), **bad).result
    assert text == "Error: these steps are waited for but not in the plan: nowhere"
    assert service.list_tasks() == []
