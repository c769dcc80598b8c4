"""A run that printed its secret, explained in chat: the answer quotes the masked output."""

from __future__ import annotations

from pathlib import Path

from scheduler.models import RunStatus
from scheduler.secret_box import SecretBox
from scheduler.service import Actor, Role

VALUE = "chat-canary-8d1f/+="


async def test_why_did_it_fail_never_quotes_a_secret(service, store, say, engine_for, tmp_path: Path):
    service.secret_box = SecretBox(key_file=tmp_path / "secret.key")
    alice = Actor("alice", Role.OPERATOR)  # her shell task runs without waiting for an admin
    service.set_secret("TOKEN", VALUE, actor=alice)
    service.create_task(service.build_spec({
        "name": "leaky", "triggers": [{"kind": "cron", "expression": "0 9 * * *"}],
        "action": {"kind": "shell", "argv": ['echo "token is $TOKEN" >&2; exit 1'], "use_shell": True,
                   "env": {"TOKEN": "{{ secrets.TOKEN }}"}},
    }), actor=alice)
    engine = engine_for()
    engine.secrets = service
    await engine.start()
    service.run_now("leaky", actor=alice)
    await engine.run_until_idle()
    [run] = service.list_runs(task="leaky")
    assert run.status == RunStatus.FAILED
    reply = await say("why did leaky fail?")
    assert "leaky" in reply.text and "[secret TOKEN]" in reply.text
    assert VALUE not in reply.text
