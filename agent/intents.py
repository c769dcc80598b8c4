"""What a message asks for, without a model: a change to a task (pause, resume, delete, run now,
approve, reschedule, rename), a question (about runs: failures, why something failed or was
skipped, last runs, logs, statistics; about tasks: what is scheduled, what one does), an answer
(yes / no), or something to refuse. Requests to *create* something are not matched here: they
are recognized by their action words and time phrase in ``agent.requests``.

Each intent is a family of patterns over a normalized message (``normalize``: chat filler off,
lower case, end punctuation off). Questions are tried before commands, so "what failed today"
never reads as a schedule and "will it snow tomorrow?" never as a reminder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .chatter import tidy

Kind = Literal[
    "confirm", "deny", "help", "greeting", "list", "upcoming", "failures", "why", "runs", "output",
    "search", "stats", "describe", "pause", "resume", "delete", "run_now", "approve", "reschedule",
    "rename", "retext", "forbidden", "set_role", "who_sees", "who_did", "reject", "pending",
]

_NUM = r"(?:\d+|a|an|one|two|three|four|five|six|seven|ten|few|couple of|couple|several)"
PERIOD = (
    r"(?P<period>today|yesterday|last night|overnight|tonight|during the night|this morning|"
    r"(?:this|last|the|over the) weekend|this week|last week|past week|this month|recently|lately|"
    r"so far(?: today)?|since (?:yesterday|(?:last |the )?(?:mon|tues|wednes|thurs|fri|satur|sun)day)|"
    r"on (?:mon|tues|wednes|thurs|fri|satur|sun)day|last (?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    rf"(?:in |over |during |within |for )?(?:the )?(?:last|past|previous) (?:{_NUM} )?(?:hours?|days?|weeks?|minutes?|months?)|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|\d+\s*[hdw])"
)
_P = rf"(?:\s*,?\s*(?:in |during |from |for |over )?{PERIOD})?"
REF = r"(?P<ref>.+?)"
FAIL = (r"(?:fail(?:ed|ing|s|ure|ures)?|break|broke|broken|crash(?:ed|ing|es)?|error(?:ed|s)?|go wrong|"
        r"gone wrong|went wrong|die|died|blow up|blew up|bomb(?:ed)?|go red|went red|go south|went south|"
        r"not work(?:ing)?|didn't work|stop(?:ped)? working|has issues|have issues|had (?:any )?(?:issues|problems))")
SKIP = r"(?:skip(?:ped|s)?|(?:not|n't) run|(?:not|n't) fire|(?:not|n't) go off|(?:not|n't) trigger(?:ed)?|(?:not|n't) happen)"
WHO = r"(?:anything|any(?:thing of my)? (?:tasks?|jobs?|runs?|reminders?)|something|any of (?:my|the|our) (?:tasks|jobs)|stuff|any task|any job|any run)"
_TAIL = re.compile(r"[\s?!.,;:]+$")


@dataclass(frozen=True)
class Intent:
    kind: Kind
    ref: str | None = None
    period: str | None = None
    status: str | None = None
    value: str | None = None  # a new time phrase, name or text; the words to search for
    skipped: bool = False  # "why was X skipped / didn't X run"


def normalize(text: str) -> str:
    text = _TAIL.sub("", tidy(text).lower()).strip()
    return " ".join(text.replace("?", " ").split())  # "was it skipped? why" reads as one question


def _rx(*patterns: str) -> list[re.Pattern[str]]:
    return [re.compile(f"^(?:{p})$") for p in patterns]


_ANSWERS: list[tuple[Kind, list[re.Pattern[str]]]] = [
    ("confirm", _rx(
        r"(?:y|yes|yep|yeah|yup|yea|ya|sure|ok|okay|k|confirm(?:ed)?|do it|go ahead|go for it|please do|"
        r"definitely|absolutely|of course|affirmative|correct|right|that's right|yes please|sure thing|"
        r"i'm sure|i am sure|yes i'm sure|👍)(?:[\s,!.]+(?:yes|please|do it|go ahead|delete (?:it|them|that)|"
        r"remove (?:it|them)|cancel (?:it|them)|sure|i'm sure|thanks|that one))*",
        r"yes,? (?:please,? )?(?:delete|remove|cancel) (?:it|that|them|all of them|everything)",
        r"(?:delete|remove) (?:it|them)(?: please)?",
    )),
    ("deny", _rx(
        r"(?:n|no|nope|nah|no way|don't|do not|dont|keep it|keep them|never ?mind|nvm|no,? keep it|no thanks|"
        r"abort|stop|wait|wait no|actually no|not now|forget it|cancel that|no,? don't|don't do it|"
        r"leave it|leave it be|changed my mind|i changed my mind|scratch that)(?:[\s,!.]+(?:thanks|please|"
        r"keep it|don't|leave it|never mind))*",
    )),
]

_QUESTIONS: list[tuple[Kind, list[re.Pattern[str]]]] = [
    ("help", _rx(r"help|\?|what can you do|how does this work|commands|what do you understand|"
                 r"how do i use (?:you|this)|what are you|who are you|what can i (?:ask|say)|usage|/help|/start")),
    ("greeting", _rx(r"hi|hey|hello|yo|good (?:morning|afternoon|evening)|thanks|thank you|thx|ty|cheers|"
                     r"great|cool|nice|awesome|perfect|got it|ok thanks|okay thanks")),
    ("forbidden", _rx(
        r".*\b(?:make|set|promote|give|grant) (?:me|us|myself) (?:an? |the )?(?:admin|administrator|superuser|root|owner)"
        r"(?: (?:rights|role|access|permissions?))?\b.*",
        r".*\b(?:change|set|upgrade) my role\b.*",
        r".*\b(?:show|tell|give|print|reveal|what(?:'s| is| are)) (?:me )?(?:the |your |all )?(?:system prompt|"
        r"api keys?|secrets?|passwords?|tokens?|env(?:ironment)? var(?:iable)?s?|credentials|smtp password|"
        r"database password|connection strings?)\b.*",
        r".*\bignore (?:all |your |the |previous |prior |any )*(?:instructions|rules|guidelines)\b.*",
        r".*\b(?:delete|remove|pause|show|list) (?:all )?(?:of )?(?:everyone's|everybody's|other people's|all users'?) .*",
    )),
    ("who_sees", _rx(
        rf"who (?:else )?(?:can|could|may|is able to) (?:see|view|access|read|look at|change|edit|manage) (?:the )?{REF}(?: task| reminder| job)?",
        rf"who (?:has access to|sees|has|gets) (?:the )?{REF}(?: task| reminder| job)?(?: shared)?",
        rf"(?:who is|who's) (?:the )?{REF}(?: task| reminder| job)? shared with",
        rf"(?:with whom|who) is (?:the )?{REF}(?: task| reminder| job)? shared(?: with)?",
    )),
    ("who_did", _rx(
        rf"who (?P<value>paused|resumed|deleted|removed|changed|edited|updated|created|made|set up|approved|rejected|"
        rf"ran|started|triggered|renamed|moved|rescheduled|shared|cancelled|canceled|stopped|turned off) (?:the )?{REF}"
        r"(?: task| reminder| job)?",
    )),
    ("pending", _rx(
        r"(?:what|which (?:tasks?|jobs?|reminders?)|anything) (?:is |are )?(?:waiting (?:for|on)|awaiting|needs?|needing|pending) "
        r"(?:my |an? |your |the |admin )?(?:approval|approvals|sign-?off|review)",
        r"(?:show |list )?(?:me )?(?:the )?(?:pending )?approvals?(?: queue)?",
    )),
    ("search", _rx(
        rf"(?:search|grep|look|scan|check) (?:through )?(?:the |my |all )?(?:logs?|outputs?|run logs?|history)"
        rf"(?: of {REF})? (?:for|about) (?P<value>.+?){_P}",
        rf"(?:find|show|list|get|which|any) (?:me )?(?:the )?(?:runs?|logs?|jobs|tasks|outputs?) "
        rf"(?:that |which )?(?:mention(?:ed|s|ing)?|contain(?:ed|s|ing)?|with|say(?:ing|s)?|said|includ(?:e|es|ed|ing)) "
        rf"(?P<value>.+?){_P}",
        rf"(?:did|has|have) (?:any|anything|a) (?:run|job|task|log|output)s? (?:say|said|mention|mentioned|contain|print|log)(?:ed)? (?P<value>.+?){_P}",
        rf"(?:where|when) did (?:i|we) (?:see|get) (?P<value>.+?)(?: in the logs?)?{_P}",
        rf"(?:logs?|outputs?) (?:mentioning|containing|with) (?P<value>.+?){_P}",
    )),
    ("stats", _rx(
        rf"(?:how often|how many times) (?:does|did|do|has|have) {REF} (?:fail|failed|break|broken|error|succeed|succeeded|work|run)(?:ed)?{_P}",
        rf"(?:what(?:'s| is)|show(?: me)?|give me|get) (?:the |my )?(?:success|failure|error) rate(?: (?:of|for) {REF})?{_P}",
        rf"(?:the )?(?:success|failure|error) rate(?: (?:of|for) {REF})?{_P}",
        rf"(?:show |give |get )?(?:me )?(?:the |some )?(?:stats|statistics|metrics|numbers|analytics|summary of runs)(?: (?:of|for|on|about) {REF})?{_P}",
        rf"how (?:reliable|stable|healthy|flaky) (?:is|are|has been|have been) {REF}{_P}",
        rf"how long (?:does|do|did) {REF} (?:take|run|last)(?: to run)?{_P}",
        rf"how many (?:runs|jobs|tasks) (?:succeeded|completed|ran|were there)(?: (?:of|for) {REF})?{_P}",
        rf"(?:what(?:'s| is)|show(?: me)?) (?:the )?(?:average|avg|typical|mean) (?:duration|runtime|run time)(?: (?:of|for) {REF})?{_P}",
    )),
    ("why", _rx(
        r"(?P<ref>)(?:why|how come|why not|why's that|what happened|what went wrong|what was the (?:error|problem|reason)|"
        r"why did (?:it|that) (?:fail|break|not run)|why (?:was|is) (?:it|that) (?P<skip>skipped)|any idea why|"
        r"what's the (?:error|problem|reason)|reason)",
        rf"why (?:didn't|did not|hasn't|has not|wasn't|isn't|doesn't|does not|won't|haven't) (?:the )?{REF} "
        r"(?P<skip>run|fire|go off|happen|trigger|start|work|send|arrive|come|execute)(?: .*)?",
        rf"why (?:did|does|do|is|was|has|have|are|were|didn't|doesn't|isn't|wasn't|hasn't) (?:the )?{REF} "
        rf"(?:keep |still |just |not |never )*(?P<skip>{SKIP}|skipped|be skipped|been skipped|get skipped|got skipped|{FAIL}|"
        r"fail to run|not (?:send|sent|arrive|arrived)|(?:not|n't) (?:get )?(?:sent|delivered))(?: .*)?",
        rf"why (?:didn't|did not|haven't|have not|hasn't|wasn't) (?:i|we) (?:get|receive|see) (?:my |the |our |any )?{REF}(?: reminder| notification| message)?(?: .*)?",
        rf"why {REF} (?P<skip>failed|is failing|keeps failing|broke|crashed|was skipped|got skipped|didn't run|did not run|never ran|errored)(?: .*)?",
        rf"what (?:went|go(?:es)?|is going|'s going) wrong (?:with|in|for|on) {REF}{_P}",
        rf"what(?:'s| is| was) (?:wrong|up|the (?:problem|issue|matter|error)) with {REF}{_P}",
        rf"what happened (?:to|with|in|on) {REF}{_P}",
        rf"(?:explain|diagnose|debug|investigate) (?:the |why )?(?:failure|error|problem|issue|skip)?s? ?(?:of|in|for|from|with|on)? ?{REF}(?: (?P<skip>failed|was skipped|didn't run))?",
        rf"(?:show|give|tell|get) (?:me )?(?:the |why )?(?:last )?(?:error|failure|reason|problem|issue)s? (?:of|for|from|in|with|on) {REF}",
        rf"(?:the )?(?:error|reason|cause)(?: message)? (?:of|for|from|in|behind) {REF}",
        rf"(?!(?:how|what|which|who|why|when|did|does|is|are|any|anything)\b){REF} (?:failed|broke|crashed|is broken|is failing|didn't run|did not run|was skipped|errored|is red)"
        r"(?: (?:again|today|last night|yesterday|overnight))?(?:,? (?:why|what happened|what's wrong|how come|any idea why))?",
        rf"(?:reason|cause) (?:why )?{REF} (?:failed|was skipped|didn't run)",
        rf"how come {REF} (?P<skip>failed|didn't run|was skipped|did not run|broke|errored)",
        rf"is {REF} (?:broken|failing|down)",
        rf"(?:was|is|did|has) (?:the )?{REF} (?:get |been )?(?P<skip>skipped|fail|failed|break|broken|error|errored)"
        r"(?: why| and why| how come| what happened| any idea why)",
        rf"did {REF} (?:fail|break|crash|error|go wrong)(?: again)?{_P}",
    )),
    ("failures", _rx(
        rf"(?:what|which (?:tasks?|jobs?|runs?|reminders?)|{WHO}|did {WHO}|has {WHO}|have {WHO}|what has|what's|what else|who) ?"
        rf"(?:has |have |did |else |just )?{FAIL}(?: to run)?{_P}",
        rf"(?:were there |are there |was there |is there |any |show (?:me )?|list |get |give me |check (?:for )?)?(?:the |any |my )?"
        rf"(?:failures|failed runs|failed jobs|failed tasks|errors|failing tasks|failing jobs|broken tasks|broken jobs|problems|"
        rf"issues|incidents|red runs|crashes){_P}(?: so far)?",
        rf"(?:did|has|have|was there) (?:anything|something|any(?:thing)? (?:task|job|run)s?) (?:that )?{FAIL}{_P}",
        rf"(?:show |list |get )?(?:me )?(?:the )?{PERIOD}'?s? (?:failures|errors|failed runs|problems|issues)",
        rf"(?:how many|any) (?:tasks |runs |jobs |reminders )?(?:failed|broke|errored){_P}",
        rf"(?:is|was|are|were) (?:everything|all|it all|all good|all ok|things)(?: (?:ok|okay|fine|good|alright|green|running fine|working))?{_P}",
        rf"(?:did|have|has) (?:all|everything|all my (?:tasks|jobs)|my (?:tasks|jobs)) (?:run|ran|go|went|gone|succeed(?:ed)?|complete(?:d)?|work(?:ed)?) "
        rf"(?:ok|okay|fine|well|alright|smoothly|successfully|as planned)?{_P}",
        rf"(?:any|anything) (?:bad|wrong|broken|red|to worry about)(?: (?:happen|happened))?{_P}",
        rf"(?:status|health)(?: check| report)?{_P}",
        rf"what (?:errors|failures|problems|issues|alerts) (?:did|have|do) (?:we|i|you) (?:get|see|have|had|hit|got)(?: so far)?{_P}",
        rf"all good{_P}",
    )),
    ("output", _rx(
        rf"(?:show|give|get|print|display|see|what(?:'s| is| was)|what did) (?:me )?(?:the )?(?:last |latest |most recent )?"
        rf"(?:output|log|logs|result|results|stdout|stderr) (?:of|for|from) (?:the )?(?:last run of )?{REF}",
        rf"what did {REF} (?:print|output|say|log|return|produce)(?: last time)?",
        rf"(?:show|give|get) (?:me )?{REF}(?:'s?)? (?:output|log|logs|result|stdout)",
    )),
    ("runs", _rx(
        rf"(?:show|list|get|display|see|give me)? ?(?:me )?(?:the )?(?:last|recent|latest|previous)? ?(?:{_NUM} )?"
        rf"(?:runs|run history|history|executions|results) (?:of|for|from) {REF}{_P}",
        rf"(?:last|recent|latest|previous) (?:{_NUM} )?runs? (?:of|for) {REF}{_P}",
        rf"how (?:did|have|has|were|was|are|do) (?:the )?(?:last|recent|latest|previous)? ?(?:{_NUM} )?(?:runs|executions) (?:of|for) {REF} (?:go|gone|been|going|look)(?: lately| recently)?",
        rf"(?:when|how) did {REF} (?:last )?(?:run|do|go|work|turn out)(?: last time)?{_P}",
        rf"when (?:was|is) (?:the )?last (?:time )?{REF} (?:ran|run|fired)",
        rf"did {REF} (?:run|fire|go off|happen|execute|complete|finish|succeed|work|go through|go ok|go fine)(?: ok| fine| okay)?{_P}",
        rf"(?:has|have) {REF} (?:run|been running|fired|worked|been working)(?: ok| fine| okay| properly| correctly)?{_P}",
        rf"(?:show |list )?(?:me )?{REF}'s? (?:runs|history|last runs|run history)",
        rf"(?:show |list )?(?:me )?{REF} (?:runs|history|run history)",
        rf"how(?:'s| is| has) {REF} (?:doing|been doing|going|been going|running|been running|looking)(?: lately| recently)?",
        rf"is {REF} (?:working|running ok|running fine|ok|healthy|running)",
    )),
    ("upcoming", _rx(
        r"(?:what|which) (?:do|have|did) (?:i|we) (?:have|got|get)? ?(?:coming up|due|lined up)"
        r"(?: (?:for|on|in) (?P<when11>.+?)| (?P<when12>today|tomorrow|tonight|this week|next week|this weekend))?",
        r"(?:what|which) (?:do|have|did) (?:i|we) (?:have|got|get)? ?(?:planned|scheduled|on)"
        r"(?: (?:for|on|in) (?P<when15>.+?)| (?P<when16>today|tomorrow|tonight|this week|next week|this weekend))",
        r"(?:show|tell|give|list)(?: me)? what(?:'s| is| are) (?:scheduled|planned|coming up|due|running|next)"
        r"(?: (?:for|on|in) (?P<when13>.+?)| (?P<when14>today|tomorrow|tonight|this week|next week|this weekend))",
        r"what(?:'s| is| are| else is)? (?:coming up|up next|next|due|on (?:the )?(?:agenda|schedule|deck)|happening)"
        r"(?: (?:for|on|in) (?P<when>.+?)| (?P<when2>today|tomorrow|tonight|this week|next week|this weekend))?",
        r"what(?:'s| is| are)? (?:scheduled|planned|running|firing|set|going off)(?: (?:for|on|in) (?P<when9>.+?)|"
        r" (?P<when10>today|tomorrow|tonight|this week|next week|this weekend))",
        r"(?:what|which) (?:tasks?|jobs?|reminders?) (?:are |will )?(?:coming up|due|scheduled|planned|run|fire|go off|running)"
        r"(?: (?:for|on|in) (?P<when3>.+?)| (?P<when4>today|tomorrow|tonight|this week|next week))",
        r"(?:any|what) reminders? (?:for|on) (?P<when5>.+?)",
        r"(?:do i have |have i got |is there )?anything (?:scheduled|planned|coming up|due)(?: (?:for|on) (?P<when6>.+?)| (?P<when7>today|tomorrow|tonight|this week))?",
        r"what(?:'s| is) on my (?:plate|schedule|calendar|list|agenda)(?: (?:for )?(?P<when8>today|tomorrow|tonight|this week))?",
    )),
    ("list", _rx(
        r"(?:list|show|display|see|view|give me|get|print)?\s*(?:me )?(?:all )?(?:of )?(?:my|the|our|all|your)?\s*"
        r"(?:(?P<status>active|paused|pending|disabled|stopped) )?(?:tasks|reminders|jobs|schedules|scheduled tasks|scheduled jobs|"
        r"crons?|cron jobs|workflows|alarms|scheduled messages|messages|automations|notifications|scheduled reminders|"
        r"recurring tasks|recurring reminders|timers)",
        r"what (?:are|is|'re) (?:my|the|our|all) (?:tasks|reminders|jobs|schedules)",
        r"what(?:'s| is| do i have| have i got| have we got| do we have| did i)(?: got)? (?:scheduled|planned|set up|running|set)",
        r"(?:show|list|tell|give)(?: me)? (?:what(?:'s| is| i have| we have)|everything) (?:scheduled|planned|set up|running)",
        r"what (?:tasks|reminders|jobs) do (?:i|we) have",
        r"(?:which|what) (?:tasks|reminders|jobs) (?:are|do i have) (?P<status2>paused|active|pending|stopped|disabled)",
        r"ls|tasks\?|which (?:tasks|reminders) (?:do i have|are there)|/tasks|/list|my stuff|everything",
        r"what(?:'s| is) (?:currently )?(?:set up|configured|there)",
        r"what (?:did i|have i) (?:set up|schedule|scheduled|ask(?:ed)? (?:you )?for)",
    )),
]

_ROLE = r"(?P<value>admin|administrator|operator|member|viewer|read-only|readonly)s?"
_PERSON = r"(?P<ref>(?:@|<@)?[\w.:+<>|@-]+)"

_COMMANDS: list[tuple[Kind, list[re.Pattern[str]]]] = [
    ("set_role", _rx(
        rf"(?:make|set|turn) {_PERSON} (?:into )?(?:an? |the )?{_ROLE}(?: again| instead| now)?",
        rf"(?:change|set|switch) (?:the )?role of {_PERSON} to (?:an? )?{_ROLE}",
        rf"(?:change|set|switch) {_PERSON}(?:'s|s)? role to (?:an? )?{_ROLE}",
        rf"(?:promote|demote|move) {_PERSON} to (?:an? )?{_ROLE}",
        rf"give {_PERSON} (?:the )?{_ROLE} (?:role|rights|access)",
    )),
    ("reject", _rx(rf"(?:reject|decline|turn down|refuse) {REF}", rf"don't approve {REF}")),
    ("approve", _rx(rf"approve {REF}", rf"(?:give |grant )?approval (?:for|of|to) {REF}", rf"ok {REF} to run",
                    rf"let {REF} run")),
    ("rename", _rx(rf"rename {REF} (?:to|as|into) (?P<value>.+)",
                   rf"(?:change|set) the name of {REF} to (?P<value>.+)",
                   rf"call {REF} (?P<value>.+) (?:from now on|instead)")),
    ("retext", _rx(rf"(?:change|set|update|edit) (?:the )?(?:text|message|wording|note) (?:of|for|on|in) {REF} to (?P<value>.+)",
                   rf"(?:change|set|update|edit) {REF}'s? (?:text|message|wording|note) to (?P<value>.+)")),
    ("reschedule", _rx(
        rf"(?:move|reschedule|shift|push|bump|change|switch|set|update|make|put|adjust|edit) (?:the )?(?:time|schedule|day|days|timing) (?:of|for) {REF} (?:to|for|so it runs|to be) (?P<value>.+)",
        rf"(?:move|reschedule|shift|push|push back|bump|postpone|delay|change|switch|update|adjust|edit) {REF} (?:to|for|until|till|so it(?:'s| is)?(?: runs?| fires?)?|to run|to fire|so that it runs) (?P<value>.+)",
        rf"make {REF} (?:run |fire |go off |happen )?(?P<value>(?:every|each|at|on|twice|once) .*|(?:daily|weekly|monthly|hourly|nightly)(?: at .+)?)",
        rf"{REF} should (?:now )?(?:run|fire|go off|happen|be|remind me) (?P<value>(?:every|each|at|on|daily|weekly|monthly|hourly|nightly|in|tomorrow|next|twice) .+?)(?: instead)?",
        rf"(?:run|fire) {REF} (?P<value>(?:every|each|daily|weekly|monthly|hourly|nightly|at|on) .+?) instead",
    )),
    ("delete", _rx(
        rf"(?:delete|remove|cancel|drop|erase|trash|scrap|kill|destroy|nuke|clear|discard|ditch|get rid of|delete off|"
        rf"unschedule|unsubscribe(?: me)? from) {REF}(?: for good| permanently| forever| completely| entirely| altogether)?",
        rf"forget (?:about )?{REF}", rf"stop reminding (?:me|us) (?:to |about |of )?{REF}",
        rf"i (?:don't|do not|no longer) (?:need|want) {REF}(?: anymore| any more)?", rf"{REF} is no longer needed",
        rf"(?:no more|enough) {REF}",
    )),
    ("pause", _rx(
        rf"hold off (?:on )?{REF}(?: for now| for a while| until further notice| for the (?:time being|moment))?",
        rf"(?:pause|suspend|hold|mute|silence|disable|deactivate|freeze|snooze|turn off|switch off|shut off|stop) {REF}"
        rf"(?: for now| for a while| temporarily| until further notice| for the (?:time being|moment)| for a bit| off)?",
        rf"put {REF} on (?:hold|pause|ice|mute|standby)", rf"hold off (?:on )?{REF}",
        rf"(?:turn|switch|shut) {REF} off(?: for now| for a while)?", rf"stop (?:running |firing |sending )?{REF}(?: for now| for a while)?",
        rf"(?:skip|take a break from) {REF} for (?:now|a while)", rf"{REF} (?:can|should) (?:wait|pause|stop)(?: for now)?",
    )),
    ("resume", _rx(
        rf"(?:resume|unpause|un-pause|continue|reactivate|re-activate|re-enable|reenable|enable|unmute|un-mute|"
        rf"unfreeze|unsnooze|turn on|switch on|restart|reinstate) {REF}(?: again| back)?",
        rf"(?:turn|switch) {REF} (?:back )?on(?: again)?", rf"start {REF} (?:again|back up)", rf"bring {REF} back",
        rf"put {REF} back on", rf"take {REF} off (?:hold|pause)", rf"(?:un|re)?activate {REF}",
    )),
    ("run_now", _rx(
        rf"(?:run|trigger|fire off|fire up|fire|kick off|kickoff|kick|start up|start|set off|execute|launch|invoke|do|"
        rf"re-run|rerun|retry|send|get) {REF}"
        rf"(?: now| right now| immediately| asap| once| manually| one time| right away| again| once more| now please| real quick)",
        rf"(?:run|trigger|fire off|fire up|fire|kick off|kickoff|execute|launch|invoke|re-run|rerun|retry) {REF}",
        rf"(?:can|could) {REF} run now",
    )),
    ("describe", _rx(
        rf"(?:describe|details of|details for|details on|tell me about|tell me more about|info on|info about|what about|"
        rf"show(?: me)?|look at|open) (?:task |the task )?{REF}",
        rf"what(?:'s| is| does) {REF}(?: do)?",
        rf"when (?:is|does|will|do) (?:the )?{REF} (?:run|fire|due|next|happen|go off|start|remind me)(?: next)?{_P}",
        rf"when(?:'s| is) (?:the )?next (?:run of |time )?{REF}(?: run| fires?| due)?",
        rf"when(?:'s| is) {REF}(?: next| due| scheduled)?",
        rf"is {REF} (?:paused|active|enabled|on|running|scheduled|still on|set up|set)",
        rf"(?:what time|what day|how often) (?:is|does|will) {REF}(?: run| fire| go off| remind me)?",
    )),
]

_STATUS = {"stopped": "paused", "disabled": "paused"}
_BAD_REFS = frozenset({"myself", "us", "yourself", "you", "my", "the", "all", "recent", "last", "me", "it all", "everything", "anything", "up",
                       "on", "off", "now", "a", "an", "this", "that's", "there", "what", "which", "who",
                       "something", "anyone", "nothing", "stuff", "things", "why", "how"})


_PERIOD_ONLY = re.compile(f"^{PERIOD}$")


def _intent(kind: Kind, match: re.Match[str]) -> Intent | None:
    groups = {k: v for k, v in match.groupdict().items() if v}
    ref = (groups.get("ref") or "").strip(" ,'\"") or None
    if ref is not None and ref in _BAD_REFS:
        return None
    if ref is not None and _PERIOD_ONLY.match(ref) and not groups.get("period"):
        groups["period"], ref = ref, None  # "stats for this week": a period, not a task
    if kind == "why" and ref is None:
        ref = "it"
    when = next((groups[k] for k in sorted(groups) if k.startswith("when")), None)
    status = groups.get("status") or groups.get("status2")
    skip = groups.get("skip") or groups.get("skip2") or ""
    return Intent(
        kind, ref=ref, period=groups.get("period") or when, status=_STATUS.get(status or "", status),
        value=(groups.get("value") or "").strip(" '\"`") or None,
        skipped=bool(re.search(r"skip|n't|not|never|^(?:run|fire|go off|happen|trigger|start|work|send|arrive|come|"
                               r"execute)$", skip)),
    )


def _first(rules: list[tuple[Kind, list[re.Pattern[str]]]], norm: str) -> Intent | None:
    for kind, patterns in rules:
        for pattern in patterns:
            match = pattern.match(norm)
            if match is not None:
                intent = _intent(kind, match)
                if intent is not None:
                    return intent
    return None


def classify_answer(text: str) -> Intent | None:
    """Yes or no (to a question the assistant asked)."""
    return _first(_ANSWERS, normalize(text) or text.strip().lower())


def classify(text: str) -> Intent | None:
    """The intent of an everyday request, or None (maybe a new task, or something for a model)."""
    norm = normalize(text)
    if not norm:
        return None
    return _first(_ANSWERS, norm) or _first(_QUESTIONS, norm) or _first(_COMMANDS, norm)
