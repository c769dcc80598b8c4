"""A request written in German, Spanish, French or Portuguese is answered in that language: the
reminder's text without the "remind me" lead, and the chat's own words around the task."""

from __future__ import annotations

import pytest

CASES = [
    ("erinnere mich jeden Montag um halb neun an den Bericht", "den Bericht", "Erledigt: ", "nächste Mo "),
    ("recuérdame cada viernes a las 17 enviar el informe", "enviar el informe", "Hecho: ", "próxima vie "),
    ("rappelle-moi tous les lundis à 9h d'envoyer le rapport", "envoyer le rapport", "C'est fait: ",
     "prochaine lun "),
    ("lembra-me de enviar o relatório toda sexta às 17h", "enviar o relatório", "Feito: ", "próxima sex "),
]


@pytest.mark.parametrize(("text", "message", "opening", "upcoming"), CASES, ids=["de", "es", "fr", "pt"])
async def test_a_request_is_answered_in_its_language(say, service, text, message, opening, upcoming):
    reply = await say(text)
    assert reply.text.startswith(opening), reply.text
    assert upcoming in reply.text and "next " not in reply.text and "Done" not in reply.text
    [task] = service.list_tasks()
    assert task.action.kind == "reminder" and task.action.message == message
    assert task.name == message


async def test_english_requests_keep_english_words(say, service):
    reply = await say("remind me every monday at 9 to send the report")
    assert reply.text.startswith("Done: 'send the report'") and "; next Mon " in reply.text
