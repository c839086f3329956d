"""Behaviour detectors: table-driven cases per detector, edge cases, and one contract test."""

import pytest

from callqa.models.transcript import Transcript, Turn
from callqa.qa_rules.analysis import analyse_calls, load_analyzer
from callqa.qa_rules.behaviours import DETECTORS, detectors
from callqa.qa_rules.context import build_contexts
from callqa.qa_rules.flags import flag_call
from tests.helpers import ReadRecorder, make_transcript

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analyzer():
    return load_analyzer()


def labels_of(analyzer, *lines):
    (analysis,) = analyse_calls([make_transcript(*lines)], analyzer)
    return {f.label: f for f in analysis.findings}


BARE_GOODBYE = [
    "agent: Crux Climbing, hi.",
    "customer: I'd like to freeze my membership.",
    "agent: We don't do freezes. You can cancel.",
    "customer: Fine.",
    "agent: Okay. Anything else?",
    "customer: No.",
    "agent: Bye then.",
]

CASES = [
    # (lines, label, polarity): the call must raise this finding
    (BARE_GOODBYE, "no_closing", "negative"),
    (
        ["customer: One of our lifts has stopped working.", "agent: Not my department."],
        "dismissive_language",
        "negative",
    ),
    (
        ["customer: That doesn't seem very fair.", "agent: Do you want to cancel or not?"],
        "dismissive_language",
        "negative",
    ),
    (
        ["customer: I've already disputed it in the app.", "agent: Then that's the outcome."],
        "dismissive_language",
        "negative",
    ),
    (
        [
            "customer: Our domain's expired and the shop is down.",
            "agent: We did send three reminders, so you really should have kept the card up to "
            "date.",
        ],
        "dismissive_language",
        "negative",
    ),
    (
        [
            "customer: Does the cover run for the whole hire?",
            "agent: It's all on the website if you'd looked.",
        ],
        "dismissive_language",
        "negative",
    ),
    (
        [
            "customer: I didn't know it had to be renewed.",
            "agent: You ought to have read the terms. You were supposed to check that before "
            "you signed. That's on you.",
        ],
        "dismissive_language",
        "negative",
    ),
    (
        ["customer: the card expired", "agent: you should of kept the card up to date really"],
        "dismissive_language",
        "negative",
    ),
    (
        [
            "customer: It's rocking in the wind, when can someone come?",
            "agent: I'll pass it to our estimator.",
            "customer: When would he ring, roughly?",
            "agent: He's out on jobs, so he'll give you a call when he's free.",
        ],
        "callback_without_time",  # promised by "he", not "I" or "we"
        "negative",
    ),
    (
        [
            "customer: The fence is rocking, can someone look at it?",
            "agent: Our estimator's out on jobs, but he's going to give you a ring.",
        ],
        "callback_without_time",
        "negative",
    ),
    (
        [
            "customer: The fence is rocking, can someone look at it?",
            "agent: I'll pass it to our estimator. [PERSON] will give you a call.",
        ],
        "callback_without_time",  # a colleague by name
        "negative",
    ),
    (
        [
            "customer: one of the guests has a nut allergy so are your cakes made somewhere "
            "nut free",
            "agent: and the cupcakes how many",
            "customer: twenty four please",
            "agent: ok",
            "customer: so um sorry about the nuts is that ok",
            "agent: what time saturday",
        ],
        "question_not_addressed",  # asked again as a statement with a tag
        "negative",
    ),
    (
        [
            "agent: hello swiftdrop parcels how can i help",
            "customer: i've had a card through the door saying you tried to deliver",
            "agent: have you got the tracking number on the card",
            "customer: yeah it's [TRACKING_NUMBER]",
            "agent: right so it's showing an attempt yesterday to [ADDRESS]",
        ],
        "no_verification",  # looked up by a number asked for without a question mark
        "negative",
    ),
    (
        [
            "customer: I'd like a trial lesson for my daughter. And do your teachers do home "
            "visits, or is it all at the studio?",
            "agent: We'd love to have her. Which days suit you?",
            "customer: Thursdays. Sorry, did you catch the bit about home visits?",
            "agent: The studio's easy to get to, there's a car park round the back.",
        ],
        "question_not_addressed",  # asked twice, skipped twice
        "negative",
    ),
    (
        [
            "customer: i'll have one of each and um i also wanted to ask about your pink glitter "
            "is it actually edible or is it just non toxic it's going on a christening cake",
            "agent: oh the pink one's lovely it's one of our best sellers",
            "customer: right but is it edible",
            "agent: loads of people use it on christening cakes we've never had any complaints",
        ],
        "question_not_addressed",  # asked again with no question mark, on an adjective
        "negative",
    ),
    (
        [
            "customer: What happens now?",
            "agent: I'll raise it and someone from there will give you a call back about it.",
        ],
        "callback_without_time",
        "negative",
    ),
    (
        [
            "customer: My card was declined at the shop today.",
            "agent: I see.",
            "agent: Okay, let me check that.",
        ],
        "acknowledgement",
        "positive",
    ),
    (
        [
            "customer: I was charged twice for the same order last week.",
            "agent: So you're seeing a duplicate payment for one purchase, is that right?",
        ],
        "restatement",
        "positive",
    ),
    (
        [
            "customer: The router keeps dropping and I have a deadline.",
            "agent: Just to make sure I understand, it disconnects every few minutes?",
        ],
        "understanding_check",
        "positive",
    ),
    (
        ["customer: My order BR77190 never arrived.", "agent: Thanks, I'm looking at BR77190 now."],
        "reuses_detail",
        "positive",
    ),
    (
        [
            "customer: My account number is 44871209 and I can't log in.",
            "agent: Okay.",
            "customer: It says my password is wrong.",
            "agent: What's your account number?",
        ],
        "reasks_information",
        "negative",
    ),
    (
        [
            "customer: This is the third time I've called, it's ridiculous.",
            "agent: I'm so sorry, that sounds really frustrating.",
        ],
        "distress_acknowledged",
        "positive",
    ),
    (
        [
            "customer: I am furious, nobody has fixed this and I'm fed up.",
            "agent: What's the account number?",
            "customer: 4471.",
            "agent: Hold on.",
        ],
        "distress_ignored",
        "negative",
    ),
    (
        ["customer: You charged me twice!", "agent: Calm down, you should have read the terms."],
        "dismissive_language",
        "negative",
    ),
    (
        [
            "customer: It says delivered but it's not here.",
            "agent: It normally turns up if people actually have a proper look.",
        ],
        "dismissive_language",
        "negative",
    ),
    (
        [
            "customer: I thought I could cancel with a month's notice.",
            "agent: It's a minimum term. Most people don't read it.",
        ],
        "dismissive_language",
        "negative",
    ),
    (
        [
            "customer: I think I've lost my card and there's a payment I don't know. I'm a bit "
            "panicked, honestly.",
            "agent: Oh no, that's a horrible feeling. Let's get that card protected straight away.",
        ],
        "distress_acknowledged",
        "positive",
    ),
    (
        [
            "customer: The app crashes when I open it.",
            "agent: What happens right before it closes?",
        ],
        "open_question",
        "positive",
    ),
    (
        [
            "customer: I was charged twice.",
            "agent: That happened because the payment was retried.",
            "agent: I've gone ahead and refunded the second charge.",
        ],
        "solution_offered",
        "positive",
    ),
    (
        [
            "customer: I can't get into my account.",
            "agent: That's not our department.",
            "agent: You'll have to call the bank.",
        ],
        "deflection",
        "negative",
    ),
    (
        [
            "customer: My internet keeps dropping every evening.",
            "agent: I've reset the line from our side. Does that fix it?",
            "customer: Yes, it's working now, thank you.",
        ],
        "resolution_confirmed",
        "positive",
    ),
    (
        [
            "customer: I want to close my account.",
            "agent: I'll transfer you to our retention team.",
        ],
        "transferred",
        "neutral",
    ),
    (
        [
            "customer: I need a refund for the broken kettle.",
            "agent: Okay.",
            "customer: No, I said I need a refund, not a replacement.",
        ],
        "customer_correction",
        "negative",
    ),
    (
        [
            "agent: Your plan renews on the fifth.",
            "customer: Sorry, I don't understand what you mean.",
        ],
        "customer_confused",
        "negative",
    ),
    (
        [
            "customer: I was charged twice for my order last week and I want the money back.",
            "agent: Okay.",
            "customer: Can you hear me?",
            "agent: Yes.",
            "customer: I was charged two times for my order last week, I want my money back.",
        ],
        "customer_repeats",
        "negative",
    ),
    (
        [
            "customer: Hi, my name is Maria and my card was declined.",
            "agent: I'm sorry about that Maria, let me look.",
        ],
        "uses_customer_name",
        "positive",
    ),
    (
        [
            "customer: My bill is wrong.",
            "agent: I've corrected it.",
            "agent: While I have you, I noticed you could save ten dollars a month.",
        ],
        "proactive_help",
        "positive",
    ),
    (
        [
            "customer: When will I get my refund?",
            "agent: You'll receive the refund within 3 business days.",
        ],
        "commitment",
        "positive",
    ),
    (
        ["customer: Can someone call me?", "agent: I'll call you back about it."],
        "callback_without_time",
        "negative",
    ),
    (
        ["customer: Where's the statement?", "agent: They'll look and someone will ring you."],
        "callback_without_time",
        "negative",
    ),
    (
        [
            "customer: So when will they call?",
            "agent: yeah they'll be in touch is there anything else i can help with today",
        ],
        "callback_without_time",  # "today" belongs to "anything else … today"
        "negative",
    ),
    (
        ["customer: And the refund?", "agent: It'll go back on your card."],
        "commitment_without_time",
        "negative",
    ),
    (
        ["customer: When will it come?", "agent: It should be with you in three to five days."],
        "commitment",
        "positive",
    ),
    (
        [
            "agent: Velocar, Sam speaking, how can I help?",
            "customer: I need to change my car hire return to Sunday, and add a second driver.",
            "agent: No problem. Can I take the booking reference?",
            "customer: It's [REFERENCE].",
            "agent: Thanks. And the postcode on your licence?",
            "customer: [POSTCODE].",
            "agent: Lovely, that all matches. Bear with me one moment.",
            "agent: Right, I've moved the return to Sunday at eight.",
            "agent: And I've added your partner as a second driver.",
            "customer: Great, thanks.",
            "agent: So you're all set: Sunday at eight, two drivers, and the new agreement "
            "will be emailed to you.",
            "customer: Lovely.",
            "agent: Anything else?",
            "customer: No thanks.",
            "agent: Have a good trip, bye.",
        ],
        "closing_summary",  # "so you're all set: …" sums up what was done
        "positive",
    ),
    (
        ["customer: Will they tell me?", "agent: You'll get a text that evening with a window."],
        "commitment",
        "positive",
    ),
    (
        [
            "customer: I can't afford it this month, things are really tight.",
            "agent: The payment goes out on the fifth.",
            "customer: Okay.",
            "agent: Is there anything else?",
        ],
        "distress_ignored",  # hardship said in words, met with the rule
        "negative",
    ),
    (
        [
            "customer: I gave it to you already, I told the last person all of this.",
            "agent: What's the account number?",
            "customer: It's [ACCOUNT].",
            "agent: Thanks. Anything else?",
        ],
        "distress_ignored",  # frustration at repeating, met with the next question
        "negative",
    ),
    (
        [
            "customer: I'm scared they'll take me to court over this.",
            "agent: No, you won't be going to court, it's a reminder letter.",
        ],
        "distress_acknowledged",  # the worry answered with the reassurance it asks for
        "positive",
    ),
    (
        [
            "customer: It's dripping onto the floor every time it rains.",
            "agent: It's only a few drips though isn't it, they all do that a bit at first.",
        ],
        "dismissive_language",
        "negative",
    ),
    (
        [
            "customer: Tuesday, I can't do nine, so quarter to eleven please.",
            "agent: Okay, that's you in for Tuesday eleven fifteen till quarter past one.",
        ],
        "readback_mismatch",  # a time read back as two bare numbers
        "negative",
    ),
    (
        [
            "customer: Yes, exactly the same. We need twenty-two in medium and eight in large.",
            "agent: Perfect. So that's twenty mediums and eight larges, navy, badge on the left.",
            "customer: That's right.",
        ],
        "readback_mismatch",  # a count in a garment size
        "negative",
    ),
    (
        [
            "customer: Sixty of the nine-piece selection boxes, delivered on Friday please.",
            "agent: So that's sixteen of the nine-piece selection, delivered Friday.",
            "customer: Lovely.",
        ],
        "readback_mismatch",  # "sixty of the …" read back as "sixteen of the …"
        "negative",
    ),
    (
        [
            "customer: twelve in extra large please",
            "agent: so that's ten extra larges in the grey is that right",
            "customer: yes lovely",
        ],
        "readback_mismatch",  # "extra large", and no plural
        "negative",
    ),
    (
        [
            "agent: Hi, Regal, how can I help?",
            "customer: I need to change my tickets.",
            "agent: Sure, can I take the reference?",
            "customer: Yes.",
            "agent: Thanks.",
            "customer: Great.",
            "agent: Done, they're swapped.",
            "customer: Thanks.",
            "agent: So that's Friday at eight, screen one, row J seats nine and ten, and the "
            "booking fee carried over.",
            "customer: Perfect.",
            "agent: Enjoy the film, bye.",
        ],
        "closing_summary",  # a long "so that's …" at the end sums up
        "positive",
    ),
    (
        [
            "customer: The day stays at seventy, but it's ninety-four for the evening now.",
            "agent: No problem. So seventy for the day, and I'll put ninety down for the evening.",
        ],
        "readback_mismatch",  # a number for the evening, put down wrong
        "negative",
    ),
    (
        [
            "customer: Hi, can I move my check-up to 3rd June please?",
            "agent: Yes, so that's moved to the 5th of June, is that right?",
        ],
        "readback_mismatch",  # "3rd June": a date with the month after it
        "negative",
    ),
    (
        [
            "customer: so no papers from the twelfth and we're back the sunday night so start "
            "them again the monday the twenty first",
            "agent: okay so no papers from saturday the twelfth",
            "agent: and they'll start again on monday the twenty eighth",
        ],
        "readback_mismatch",  # one of two dates said back, the other misread, in the next
        "negative",  # sentence of the summing-up
    ),
    (
        [
            "customer: The ceremony's moved to quarter past one.",
            "agent: Right, I've got the ceremony at St Anne's, so I'll change that to quarter "
            "past two now.",
        ],
        "readback_mismatch",  # the change about to be made, to a moved time
        "negative",
    ),
    (
        [
            "customer: um the flight's at nine so pick up at quarter to six is that enough time",
            "agent: so quarter past six saturday from [ADDRESS] which terminal",
        ],
        "readback_mismatch",  # the customer's own time, put as a question, summed up wrong
        "negative",
    ),
    (
        [
            "customer: right so when am i going to get it because the fitters are booked for the "
            "twentieth",
            "agent: yeah i'll get him to send it over",
            "customer: yeah but when roughly is it today tomorrow",
            "agent: as soon as he can really he's been off a few days",
        ],
        "question_not_addressed",  # asked when twice, no time either time
        "negative",
    ),
    (
        [
            "customer: he's diabetic he has insulin twice a day and i'm honestly a bit worried "
            "about leaving him anywhere",
            "agent: oh bless him no that's a really common worry and you've done the right "
            "thing ringing first",
        ],
        "distress_acknowledged",  # the worry named as a common one
        "positive",
    ),
    (
        [
            "customer: It won't start, and I've got lambing in a fortnight and I'm honestly a bit "
            "worried I'll be stuck without it.",
            "agent: No, we don't want you stuck at lambing. Let's get it sorted well before then.",
        ],
        "distress_acknowledged",  # the worry answered with the reassurance it asks for
        "positive",
    ),
    (
        [
            "customer: It's an engagement ring, and it was valued at £1,500.",
            "agent: So I'm adding an engagement ring as a specified item valued at £1,050.",
        ],
        "readback_mismatch",  # an amount misheard in a report: the same digits moved
        "negative",
    ),
    (
        [
            "customer: hi we'd like to book a tee time saturday morning there'll be six of us",
            "agent: lovely so that's five players at nine on saturday",
        ],
        "readback_mismatch",  # how many are coming
        "negative",
    ),
    (
        [
            "customer: um it's four five two seven one",
            "agent: so that's four five seven two one",
        ],
        "readback_mismatch",  # a reading said digit by digit
        "negative",
    ),
    (
        [
            "customer: I'd like to top up my phone please, thirty pounds.",
            "agent: So a top-up of thirteen pounds?",
            "customer: No, [PHONE].",
        ],
        "readback_corrected",  # a "no" and the right value, redacted as a number
        "neutral",
    ),
]


@pytest.mark.parametrize("lines, label, polarity", CASES, ids=[c[1] for c in CASES])
def test_detector_finds(analyzer, lines, label, polarity):
    found = labels_of(analyzer, *lines)
    assert label in found, sorted(found)
    finding = found[label]
    assert finding.polarity == polarity
    assert all(e.quote and e.quote in lines_text(lines) for e in finding.evidence)


NOT_CASES = [
    # (lines, label): the call must not raise this finding
    (
        [
            "agent: Hello, Brightwell Energy, how can I help?",
            "customer: My router keeps dropping the connection every evening.",
            "agent: Can I take your account number?",
            "customer: It's 55120, and my postcode is LS6 2AB.",
            "agent: Thanks, that's verified. I've changed your wireless channel remotely.",
        ],
        "no_verification",  # "that's verified" is the check
    ),
    (
        [
            "customer: I was charged twice for my order.",
            "agent: Oh dear, that's not my department's finest hour, I'm really sorry.",
        ],
        "dismissive_language",
    ),
    (
        [
            "customer: Has the alterations tailor said when my suit will be ready?",
            "agent: He'll get back to us when he's ready.",
        ],
        "callback_without_time",  # the tailor reports to the shop: no promise to the customer
    ),
    (
        [
            "customer: Can you book the family ticket for Saturday?",
            "agent: Done, and she'll email the confirmation while you're still on the phone.",
        ],
        "callback_without_time",  # sent during the call
    ),
    (
        [
            "customer: Is the beginners' wall hard to get started on?",
            "agent: Not at all, most people manage it fine after one session with an instructor.",
            "customer: So have they agreed to refund me?",
            "agent: They've agreed to refund you in full, so that's the outcome!",
            "customer: It is what it is, I suppose.",
        ],
        "dismissive_language",  # reassurance, good news and the customer's shrug
    ),
    (
        [
            "customer: Has my refund gone through?",
            "agent: Yes, you really should have had the email by now, and if you'd like to look "
            "it's in your account too.",
        ],
        "dismissive_language",  # what the customer should have received, and an offer
    ),
    (
        [
            "customer: My parcel says delivered but it isn't here.",
            "agent: Can I ask if you'd looked at the delivery photo on the tracking page yet?",
            "customer: I was charged the admin fee twice.",
            "agent: You really shouldn't have paid that, it was our mistake, I'll refund it.",
        ],
        "dismissive_language",  # a question, and sympathy
    ),
    (
        [
            "agent: Good afternoon, Suds Laundrette, Hannah speaking.",
            "customer: My coat has shrunk.",
            "agent: I'm sorry. Daniel will call you tomorrow between ten and twelve.",
            "customer: Thanks, Hannah. Sorry for being sharp earlier.",
            "agent: Not at all, you had every reason to be frustrated. Speak soon.",
        ],
        "no_closing",
    ),
    (
        [
            "customer: Can you leave the scaffold up? I'm really worried about the rain getting "
            "in.",
            "agent: It's booked for another job on Monday.",
            "customer: Leave my house open to the rain?",
            "agent: You could ask your roofer if he's got his own scaffold.",
        ],
        "question_not_addressed",  # an outburst, not a question asked again
    ),
    (
        [
            "customer: Two adults for Saturday, please. And is the penguin feeding on that day?",
            "agent: Lovely, let me book the tickets first.",
            "customer: And the penguin feeding?",
            "agent: That's at eleven and half two every day, Saturday included.",
        ],
        "question_not_addressed",  # answered with the times
    ),
    (
        [
            "customer: Do I pay now?",
            "agent: Just a ten-pound deposit now, and the rest when you collect.",
            "customer: Fine. So can I pay the deposit by card now?",
            "agent: Of course, go ahead.",
        ],
        "question_not_addressed",  # "of course" answers it
    ),
    (
        [
            "customer: If you take the scaffold down the roofer can't finish. Can you leave it up?",
            "agent: It's booked for another job on Monday.",
            "customer: Can't you swap it for a different scaffold?",
            "agent: We haven't got anything spare till the end of the month.",
        ],
        "question_not_addressed",  # a plain no
    ),
    (
        [
            "agent: Anyone trapped?",
            "customer: No, no one's in it.",
            "agent: Faults go to the service desk.",
        ],
        "distress_ignored",  # a plain answer to the agent's question, not distress
    ),
    (
        [
            "customer: You've sent two engineers and I'm losing money every sunny day. What "
            "about the money I've lost since Tuesday?",
            "agent: Let me look at the account.",
            "customer: And what about the money I've lost?",
            "agent: That's a fair ask. I'll raise a claim for lost generation.",
        ],
        "question_not_addressed",  # taken up, in other words
    ),
    (
        [
            "agent: crumb and co bakery orders jess speaking",
            "customer: oh hi i wanted to order a birthday cake for collection this saturday",
            "agent: we take a twenty pound deposit on celebration cakes what card",
            "customer: it's [CARD]",
            "agent: ok that's gone through",
        ],
        "no_verification",  # a new order paid for: no account was touched
    ),
    (
        [
            "agent: hi there the cutting room how can i help",
            "customer: i'd like to book highlights with becky next week",
            "agent: tuesday at ten with becky that's you booked in",
            "customer: and i'd rather a card for her mum to be honest",
            "agent: vouchers are any amount from twenty pound",
        ],
        "no_verification",  # a gift card is no bank card: no account was touched
    ),
    (
        [
            "customer: I'd like a trial lesson for my daughter. And do your teachers do home "
            "visits, or is it all at the studio?",
            "agent: We'd love to have her. Which days suit you?",
            "customer: Thursdays. Sorry, did you catch the bit about home visits?",
            "agent: Sorry, I missed that. No, the teachers only teach at the studio.",
        ],
        "question_not_addressed",  # answered the second time
    ),
    (
        [
            "customer: Is there not a card I can have that doesn't charge these fees?",
            "agent: The fees are correct, so there's nothing I can do about these ones.",
        ],
        "question_not_addressed",  # skipped once, never asked again: too weak to call
    ),
    (["customer: My card was declined.", "agent: Sorry?"], "apology"),
    (["customer: I was charged twice.", "agent: I was charged twice."], "restatement"),
    (
        ["customer: Hello.", "agent: Can you confirm your account number for security?"],
        "reasks_information",
    ),
    (["customer: Thanks, that's great.", "agent: You're welcome."], "distress_ignored"),
    (["customer: My bill went up.", "agent: I understand."], "empathy_statement"),  # bare
    (
        [
            "customer: Can you not just put the discount on for me today?",
            "agent: No, I'm afraid that has to come from the council tax office.",
        ],
        "question_not_addressed",
    ),
    (
        ["customer: Can you post it?", "agent: We post the SIM to whatever address you like."],
        "dismissive_language",
    ),
    (
        [
            "customer: I get paid on the twenty eighth, can I move it to the end of the month?",
            "agent: You can change it in the app from the twelfth of March and I'll pop a note "
            "on your account so it's there.",
        ],
        "readback_mismatch",  # "so it's there" reads nothing back
    ),
    (
        [
            "customer: ten of the black ones to pick up saturday at ten in the morning",
            "agent: so that's ten in black for saturday at two",
            "customer: no ten in the morning the party's at one",
            "agent: oh sorry ten am saturday got it",
        ],
        "readback_mismatch",  # corrected: "ten in the morning" is a time
    ),
    (
        [
            "customer: Four birthday cakes delivered on Saturday at nine a m please.",
            "agent: Just to confirm, I'll send two in the morning at nine and two in the "
            "afternoon, is that okay?",
            "customer: Perfect.",
        ],
        "readback_mismatch",  # "two in the morning" counts cakes
    ),
    (
        [
            "customer: It's a made-to-measure hat for the wedding, it's on Saturday the "
            "nineteenth.",
            "agent: A bespoke hat takes six weeks, I'm afraid, but we've got ready-to-wear ones.",
            "customer: I'll have to think about it.",
            "agent: Of course. I'm in the studio every day this week from ten till five. I'd come "
            "by Wednesday, so there's plenty of time to re-trim before the wedding. And bring "
            "the dress with you if you can.",
        ],
        "readback_mismatch",  # "I'd come by Wednesday" advises, it reads nothing back
    ),
    (
        [
            "customer: no the twelfth it's saturday the twelfth",
            "agent: so just to recap the kits are going out today and should be with you "
            "thursday in plenty of time for the twelfth",
        ],
        "readback_mismatch",  # when it should arrive is the agent's estimate
    ),
    (
        [
            "customer: I've got a new puppy, he's twelve weeks, and I'd like the Wednesday course.",
            "agent: So that's the Wednesday puppy course, starting the sixth, for six weeks. Is "
            "that right?",
        ],
        "readback_mismatch",  # "he's twelve weeks" is the puppy's age
    ),
    (
        [
            "customer: we're away on the twelfth back on the twenty sixth so skip the boxes on "
            "the fourteenth and the twenty first",
            "agent: okay so that's skipping the fourteenth and the twenty first and the next one "
            "you'd get is thursday the twenty eighth is that right",
        ],
        "readback_mismatch",  # the next delivery, worked out, is not a date given
    ),
    (
        [
            "customer: I want to book a session for my sister's thirtieth, a week Saturday.",
            "agent: A week Saturday, so that's the eighteenth.",
        ],
        "readback_mismatch",  # "my sister's thirtieth" is a birthday
    ),
    (
        [
            "customer: it's my wife's fortieth present and I need to move the trek",
            "agent: so that's the trek on saturday the eleventh at two o'clock",
        ],
        "readback_mismatch",  # no month has a fortieth
    ),
    (
        [
            "customer: i've just looked at the email and it says the twentieth and it should be "
            "the week of the twenty seventh",
            "agent: so you want it moved to the twenty seventh is that right",
        ],
        "readback_mismatch",  # what the email says is what is wrong, not what is wanted
    ),
    (
        [
            "agent: so our plant guarantee is twelve months but it does need the receipt do you "
            "still have the receipt",
            "customer: i don't think i do no i paid cash",
            "agent: ah okay without a receipt i can't put a refund through from here",
            "customer: oh okay",
            "agent: but the manager can look it up on the till records",
        ],
        "distress_ignored",  # a plain answer to a question at the end of an unpunctuated turn
    ),
    (
        [
            "customer: so when will the engineer come out",
            "agent: let me have a look at the diary for you",
            "customer: roughly though is it this week",
            "agent: yes, Thursday between eight and twelve",
        ],
        "question_not_addressed",  # the second reply gives a time
    ),
    (
        ["customer: Nobody has rung me.", "agent: You should have had a call by now, I'm sorry."],
        "dismissive_language",
    ),
    (
        ["customer: Which plan do you suggest?", "agent: Most people choose the monthly one."],
        "dismissive_language",
    ),
    (
        ["customer: Yes, my credit card.", "agent: debit or credit i'm sorry"],
        "apology",  # asking which card, not apologising
    ),
    (
        ["customer: Oh, thank God. Sorry.", "agent: Don't apologise at all."],
        "apology",  # the customer's apology waved off
    ),
    (
        [
            "customer: Hi, my name is Ann and I'd like to pay a bill.",
            "agent: What would you like to pay the bill with?",
        ],
        "restatement",  # a question for a detail, not the problem said back
    ),
    (
        ["customer: Where is my parcel?", "agent: Let me check that for you."],
        "commitment_without_time",
    ),
    (["customer: I'll wait.", "agent: Thank you."], "commitment"),
    (["customer: I forgot.", "agent: You'll get a text confirming it."], "commitment_without_time"),
    (["customer: And the code?", "agent: I'll send you a reset code by text."], "commitment"),
    (["customer: Nobody said.", "agent: We should have let you know."], "commitment_without_time"),
    (["customer: I'm Not sure.", "agent: Not a problem."], "uses_customer_name"),
    (["agent: Hello, FitZone Barrow Road, Sam speaking.", "customer: Hi."], "no_greeting"),
    (
        [
            "customer: When will they ring?",
            "agent: The vet will call you between half two and three.",
        ],
        "callback_without_time",
    ),
    (
        [
            "agent: That's done, the car's yours until Sunday.",
            "customer: Brilliant. I was worried I'd have to rush back.",
            "agent: Just remember to fill it up before you drop it off.",
            "agent: Anything else?",
        ],
        "distress_ignored",  # a worry over, said with relief
    ),
    (
        [
            "customer: It's for my dad, he'd struggle with steps since his operation.",
            "agent: I've added wheelchair assistance to both flights.",
            "customer: Thanks.",
            "agent: Anything else?",
        ],
        "distress_ignored",  # someone else's difficulty, told as a detail
    ),
    (
        [
            "customer: This is really stressing me out, I need it sorted today.",
            "agent: I know, that's a worry, let's get it done now.",
            "customer: Okay, can you do it now?",
            "agent: Yes, bear with me.",
            "customer: It's ridiculous it has taken this long to get anywhere.",
            "agent: Right, that's been changed.",
            "agent: Anything else?",
        ],
        "distress_ignored",  # met once: the guidelines judge answering distress per call
    ),
    (
        [
            "agent: On your plan the States isn't included, so you'd pay per megabyte.",
            "customer: Right, that's what I was worried about.",
            "agent: The World Traveller add-on is six pounds a day. Shall I add it?",
            "customer: Yes please.",
            "agent: Done.",
        ],
        "distress_ignored",  # the risk named, calmly: no distress
    ),
    (
        [
            "agent: The reading shows a small leak on the cold feed.",
            "customer: Oh, is that something to worry about?",
            "agent: Not at all, the plumber will swap the washer on Tuesday.",
            "customer: My sister's hosting, and she's already stressing about it, so thanks.",
            "agent: Is the ground floor okay for her?",
            "customer: Yes. My mum's in a wheelchair, she gets anxious about grass and slopes.",
            "agent: Done.",
        ],
        "distress_ignored",  # a question about a risk, and someone else's worry
    ),
    (
        [
            "agent: any particular stains you're worried about",
            "customer: honestly i'm terrified of what you'll find up there ha no just paw marks",
            "agent: so for three bedrooms it's one hundred and forty pounds",
            "customer: okay",
            "agent: what day suits",
        ],
        "distress_ignored",  # said laughing: no distress
    ),
    (
        [
            "agent: Hello, Hollis and Pine, this is Marcus. How can I help?",
            "customer: I'd like to swap my coat for a bigger size.",
            "agent: That's set up, the returns code is in your email.",
            "agent: Is there anything else I can help with today?",
            "customer: No, that's everything, thank you.",
            "agent: You're welcome. Enjoy the trip.",
        ],
        "no_closing",  # a warm goodbye
    ),
    (
        [
            "agent: Castlegate Lettings maintenance line, Sam speaking.",
            "customer: The boiler's stopped working.",
            "agent: I've booked our engineer for this afternoon between two and five.",
            "customer: Thanks, Sam.",
            "agent: You're welcome. I hope it's warm again soon. Bye.",
        ],
        "no_closing",  # thanks answered, a good wish and a goodbye
    ),
    (
        [
            "customer: Is it twenty three kilos or twenty for the bag?",
            "agent: It's twenty three kilos.",
            "customer: Okay, two bags then.",
            "agent: So that's thirty two pounds each way, is that right?",
        ],
        "readback_mismatch",  # the customer asked about a weight; the agent read back a price
    ),
    (
        [
            "customer: We fly out on the twelfth and we're back on the twenty sixth, so it'd be "
            "the boxes on the fourteenth and the twenty first.",
            "agent: So that's skipping the fourteenth and the twenty first, and the next one you'd "
            "get is Thursday the twenty eighth, is that right?",
            "customer: Yeah, that's it.",
            "agent: Okay so your next box is the twenty eighth and you can pick your recipes.",
        ],
        "readback_mismatch",
    ),  # the twenty eighth was agreed when it was checked
    (
        [
            "customer: It's ninety four for the evening, on the sixth of September.",
            "agent: Yes, of course, let's get your numbers in first and then look at the tasting.",
        ],
        "readback_mismatch",
    ),  # "in first" is no day of the month
    (
        [
            "customer: Can I book Bramble in for a nail trim on Saturday at ten please?",
            "agent: Right, she's booked in for Saturday, and it'll be eleven fifty then.",
        ],
        "readback_mismatch",  # a price said as two numbers, not a time
    ),
    (
        [
            "customer: The delivery is on the ninth, can you add a note for the driver?",
            "agent: I'll put a note down for the twelfth driver team.",
        ],
        "readback_mismatch",  # "I'll put a note down" reads nothing back
    ),
    (
        [
            "customer: a double room for two nights arriving on the seventeenth um no wait "
            "sorry the eighteenth",
            "agent: so arriving thursday the eighteenth for two nights checking out saturday "
            "the twentieth",
        ],
        "readback_mismatch",  # the seventeenth was put right at once
    ),
    (
        [
            "customer: I get the coffee every two weeks. I'd like to change it to once a month.",
            "agent: No problem, so two bags every four weeks from now on.",
        ],
        "readback_mismatch",  # "every two weeks" is what it was
    ),
    (
        [
            "customer: we're getting married on the thirtieth of may",
            "agent: so full day coverage from bridal prep to the first dance",
        ],
        "readback_mismatch",  # "the first dance" is no date
    ),
    (
        [
            "customer: A table for four of us on Saturday. Actually, make it five.",
            "agent: So that's a table for five, this Saturday at seven thirty.",
        ],
        "readback_mismatch",  # the count changed, said as a bare number
    ),
    (
        ["customer: Book me a table for 1:30 pm.", "agent: So that's a table at 1:30 pm."],
        "readback_mismatch",  # "a table for 1:30" is a time, not one person
    ),
]


@pytest.mark.parametrize("lines, label", NOT_CASES, ids=[c[1] for c in NOT_CASES])
def test_detector_stays_quiet(analyzer, lines, label):
    assert label not in labels_of(analyzer, *lines)


def lines_text(lines):
    return " ".join(line.split(":", 1)[1] for line in lines)


def test_commitment_is_an_action_item(analyzer):
    found = labels_of(
        analyzer,
        "customer: Will someone call me?",
        "agent: I'll call you back tomorrow before noon.",
    )
    details = found["commitment"].details
    assert details["who"] == "agent" and "call you back" in details["what"]
    assert "tomorrow" in details["when"]


def test_distress_acknowledgement_is_timed(analyzer):
    found = labels_of(
        analyzer,
        "[0-4] customer: I'm really upset, this is unacceptable.",
        "[10-14] agent: I'm so sorry, I understand how frustrating that is.",
    )
    assert found["distress_acknowledged"].value == pytest.approx(6.0)


def test_low_asr_confidence_is_flagged_not_blamed(analyzer):
    turns = (
        Turn(speaker="agent", text="How can I help?", start=0, end=2),
        Turn(speaker="customer", text="mumble the thing", start=2, end=4, confidence=0.3),
        Turn(speaker="agent", text="Sorry, could you repeat that?", start=4, end=6),
    )
    (analysis,) = analyse_calls([Transcript(call_id="x", turns=turns, source="t")], analyzer)
    labels = {f.label for f in analysis.findings}
    assert "low_asr_confidence" in labels and "unclear_audio_clarification" in labels
    assert "agent_asks_to_clarify" not in labels


EDGE_CALLS = {
    "one turn": make_transcript("agent: Hello?"),
    "agent only": make_transcript("agent: Hello.", "agent: Are you there?", "agent: Goodbye."),
    "customer only": make_transcript("customer: Hello?", "customer: I was charged twice!"),
    "chat without timings": make_transcript(
        "customer: Hi, my name is Maria and my card was declined.",
        "agent: Sorry to hear that Maria. I'll send a new card by Friday.",
        "customer: Thanks.",
    ),
    "timed": make_transcript(
        "[0-3] agent: Thanks for calling.", "[3-8] customer: My bill is wrong, I'm upset."
    ),
    "a whole call": make_transcript(
        "[0-4] agent: Thank you for calling Northwind, this is Sam, how can I help?",
        "[4-12] customer: Hi, I was charged twice for my order and I'm really frustrated.",
        "[12-15] agent: I'm sorry about that. Can I take your account number?",
        "[15-19] customer: It's four four two one nine.",
        "[19-24] agent: So you were charged twice for one order, is that right?",
        "[24-26] customer: Yes, that's right.",
        "[26-34] agent: I've refunded the second charge; you'll see it within three days.",
        "[34-36] customer: Great, thank you.",
        "[36-40] agent: Is there anything else? Thanks for calling, have a good day.",
    ),
    "cut short": make_transcript(
        "agent: Billing, what's the problem?",
        "customer: My direct debit failed and I got a fee.",
        "agent: Right. The fee stands.",
        "agent: You should have checked your balance.",
        "customer: That's not fair, I want it removed.",
        "agent: I can't remove it. I'll pass it to the team and they'll call you.",
    ),
}


@pytest.mark.parametrize("name", sorted(DETECTORS))
@pytest.mark.parametrize("call", sorted(EDGE_CALLS))
def test_contract_every_detector(analyzer, name, call):
    """Every registered detector: findings name it, carry quotes that are in the call, stay in
    the call's turns, it reads only the context parts it declares, and running it twice gives
    the same answer."""
    transcript = EDGE_CALLS[call]
    (ctx,) = build_contexts(
        [transcript], analyzer.encoder, analyzer.nlp, analyzer.heads, analyzer.prototypes
    )
    detector = DETECTORS[name]()
    recorder = ReadRecorder(ctx)
    findings = detector.detect(recorder)
    assert findings == detector.detect(ctx)
    assert recorder.read <= set(detector.requires), "reads more than it declares"
    for f in findings:
        assert f.detector == name and f.behaviour == detector.behaviour
        assert f.label in detector.labels
        for e in f.evidence:
            turn = transcript.turns[e.turn]
            assert turn.text[e.char_start : e.char_end] == e.quote and e.speaker == turn.speaker


def test_every_detector_is_registered_once(analyzer):
    names = [d.name for d in detectors()]
    assert names == sorted(set(names))
    assert {
        "active_listening",
        "empathy",
        "problem_solving",
        "comprehension",
        "extra_mile",
        "follow_up",
    } <= set(names)
    assert [d.name for d in analyzer.detectors] == names


def test_each_promise_in_a_sentence_is_its_own_action_item(analyzer):
    (analysis,) = analyse_calls(
        [
            make_transcript(
                "customer: When do I get my money?",
                "agent: You'll see it on your card within three to five business days, "
                "and I'll email you a confirmation today.",
            )
        ],
        analyzer,
    )
    findings = analysis.findings
    items = [f.details for f in findings if f.label == "commitment"]
    assert [(d["who"], d["when"]) for d in items] == [
        ("company", "within three to five business days"),
        ("agent", "today"),
    ]
    quotes = [f.evidence[0].quote for f in findings if f.label == "commitment"]
    assert quotes[1] == "I'll email you a confirmation today"


CALL_HANDLING = [
    (["agent: Thank you for calling Northwind, this is Priya.", "customer: Hi."], "greeting"),
    (["agent: Yeah?", "customer: My bill is wrong."], "no_greeting"),
    (["agent: Hello, my name is Sam.", "customer: My card was declined.",
      "agent: Can I take your date of birth for security?"], "verification"),
    (["agent: Hello, my name is Sam.", "customer: My card was declined.",
      "agent: Okay, it is unblocked now."], "no_verification"),
    (["agent: Hiya, Seaview bookings.", "customer: I need to change the dates on my caravan.",
      "agent: Here we go, that's the Hale booking, two hundred and ten left to pay on the card "
      "ending [CARD], and the emails go to [EMAIL].", "customer: Yes, that's us."],
     "no_verification"),
    (["agent: Hello, InkDrop, this is Marcus.", "customer: I've been charged extra this month.",
      "agent: The number you're calling from brings up an account: [PERSON], at [ADDRESS], "
      "paid by the card ending [CARD]. Is that you?", "customer: Yes."], "no_verification"),
    (["agent: Hi, this is Sam.", "customer: Hi.", "agent: Is there anything else I can help with?",
      "customer: No.", "agent: Have a great day."], "closing"),
    (["agent: Hi, this is Sam.", "customer: Hi.", "agent: Done.", "customer: Ok.",
      "agent: Your card works.", "agent: It was blocked.", "agent: Whatever."], "no_closing"),
]  # fmt: skip


@pytest.mark.parametrize("lines, label", CALL_HANDLING, ids=[c[1] for c in CALL_HANDLING])
def test_call_handling(analyzer, lines, label):
    assert label in labels_of(analyzer, *lines)


def test_a_check_the_customer_does_not_answer_is_no_verification(analyzer):
    asked = ["agent: Hello, my name is Sam.", "customer: I lost my credit card, can you send "
             "me a new one?", "agent: Yes, could I get your home address too?"]  # fmt: skip
    assert "verification" in labels_of(analyzer, *asked, "customer: It's [ADDRESS].")
    assert "verification" not in labels_of(
        analyzer, *asked, "customer: um", "customer: uh no sorry"
    )
    claimed = [*asked, "customer: um, uh... er", "agent: Thank you, that's verified."]
    assert "verification" not in labels_of(analyzer, *claimed)


def test_name_and_number_cover_a_reset_link_not_reading_out_the_account(analyzer):
    reset = ["agent: Hello, Harper Valley bank, how can I help?",
             "customer: Hi, my name is [PERSON], I'd like to reset my password.",
             "agent: What is your phone number?", "customer: It's [PHONE].",
             "agent: Your password reset link has been sent to your phone."]  # fmt: skip
    assert "verification" in labels_of(analyzer, *reset)
    balance = reset[:4] + [
        "agent: Okay, your balance is forty one pounds fifty, due on the second."
    ]
    found = labels_of(analyzer, *balance)
    assert "verification" not in found
    assert "forty one pounds" in found["no_verification"].evidence[-1].quote


def test_account_read_out_before_the_security_check_is_no_verification(analyzer):
    found = labels_of(
        analyzer,
        "agent: Good afternoon, Northmere Building Society, how can I help?",
        "customer: Can you tell me if my wages have gone in?",
        "agent: Of course. Can I take the sort code and account number?",
        "customer: It's [SORT_CODE], [ACCOUNT].",
        "agent: Yes, there's a payment in for one thousand eight hundred pounds this morning.",
        "customer: Brilliant. And can you move my standing order?",
        "agent: I'll need to take you through security first. Can I have your date of birth?",
    )
    assert "no_verification" in found and "verification" not in found


def test_an_address_read_out_on_a_tracking_number_alone_is_no_verification(analyzer):
    opening = ["agent: Thanks for calling Swiftdrop Parcels, how can I help?",
               "customer: Can my parcel be left with a neighbour tomorrow?",
               "agent: Have you got the tracking number there?",
               "customer: It's [TRACKING_NUMBER]."]  # fmt: skip
    read_out = labels_of(analyzer, *opening, "agent: Okay, it's going to [ADDRESS], [POSTCODE].")
    assert "[ADDRESS]" in read_out["no_verification"].evidence[-1].quote
    read_back = labels_of(
        analyzer, *opening, "customer: And my name's [PERSON], it's for [ADDRESS].",
        "agent: So that's [ADDRESS], is that right?",
    )  # fmt: skip
    assert "no_verification" not in read_back


def test_a_temporary_passcode_is_not_a_security_check(analyzer):
    found = labels_of(
        analyzer,
        "agent: Meridian Card Services, good afternoon.",
        "customer: I'm locked out of the app, can you reset it?",
        "agent: Card number?", "customer: It's [CARD_NUMBER].",
        "agent: Right, that's reset. You'll get a text with a temporary passcode.",
    )  # fmt: skip
    assert "verification" not in found


def test_a_request_put_as_a_question_gives_the_detail_read_back(analyzer):
    found = labels_of(
        analyzer,
        "customer: He starts his new job on the nineteenth, so could the cover start from the "
        "nineteenth?",
        "agent: Of course. So that's your son added from the ninth of September.",
    )
    assert "nineteenth" in found["readback_mismatch"].evidence[0].quote


def test_a_date_summed_up_wrong_without_a_marker_is_a_read_back_mismatch(analyzer):
    found = labels_of(
        analyzer,
        "agent: Vellum Mobile, how can I help?",
        "customer: I cancelled my contract on the fourteenth of March and I'm still being billed.",
        "agent: okay so cancelled on the fourth of march, let me have a look",
        "customer: yeah",
    )  # fmt: skip
    assert "fourth of march" in found["readback_mismatch"].evidence[-1].quote


@pytest.mark.parametrize(
    "lines",
    [
        ("customer: Can I book the thirteenth at eleven am?",
         "agent: The thirteenth is full, I'm afraid. There's an opening at two pm on the first, "
         "would that do?",
         "customer: Yes, I'll take that.",
         "agent: So that's two pm on the first, is that right?"),  # an offer the customer took
        ("customer: Can I book the thirteenth please?", "agent: The thirteenth, is that right?",
         "customer: Actually, can we make it tomorrow instead?",
         "agent: So that's the second, is that right?"),  # the customer changed to "tomorrow"
        ("customer: I'd like a table at six fifteen pm on the eighth.",
         "agent: How about the eighth at six pm, is that okay?"),  # a proposal, not a read-back
        ("customer: The engineer didn't come on Monday. Can you rebook for Thursday please?",
         "agent: I'm sorry about that. Okay so Thursday at 9:30 am, is that right?"),  # asked
        ("customer: I was out at half past two when the driver came. Any chance of a redelivery "
         "on Saturday?",
         "agent: Sure. Just to confirm, that's Saturday between 8 am and 1 pm, is that right?"),
    ],
)  # fmt: skip
def test_a_value_offered_or_changed_since_is_no_read_back_mismatch(analyzer, lines):
    assert "readback_mismatch" not in labels_of(analyzer, *lines)


@pytest.mark.parametrize(
    "lines",
    [
        ("customer: I've got an eye test booked for Thursday at ten and I need to move it.",
         "agent: Of course. I've got Tuesday at five fifteen, would that suit?",
         "customer: Yes please.",
         "agent: So just to recap, Thursday's cancelled, and you're now in on Tuesday at five "
         "fifteen."),  # the old time, to be moved, is no value to read back
        ("customer: The Wednesday would be better.",
         "agent: Great, that's booked and your Thursday appointment's cancelled."),
        ("customer: I wanted to see if I could add the Thursday night as well.",
         "agent: So the booking's in the name of [PERSON], a double for Friday the eighth and "
         "Saturday the ninth, is that right?"),  # the record, read out
        ("customer: um the tuesday one the five thirty yeah",
         "agent: so that's tuesday the seventeenth at five thirty pm is that right",
         "customer: yep lovely oh and are my glasses in yet",
         "agent: right so one pair's come in but the second pair is still at the lab they're "
         "due friday"),  # checked right already: a later "right so … friday" is of another thing
        ("customer: my son's in the saturday nine o'clock class and with football he can't do "
         "saturdays any more",
         "agent: So that's him moved to Wednesdays at half four from the fourteenth."),
        ("customer: i ordered a photo book and it still hasn't come and her party's on saturday",
         "agent: so that's the a4 photo book, it went out tuesday with royal mail"),  # the record
        ("customer: can you come on Friday? I'm out from two till four.",
         "agent: Right, so that's Friday, the engineer will be there ten till twelve."),
    ],
)  # fmt: skip
def test_old_values_records_and_other_matters_are_no_read_back_mismatch(analyzer, lines):
    assert "readback_mismatch" not in labels_of(analyzer, *lines)


def test_a_weight_read_back_wrong_after_a_lead_in_is_a_mismatch(analyzer):
    found = labels_of(
        analyzer,
        "customer: so um could i go up to a seven kilo turkey there's gonna be twelve of us now",
        "agent: yeah no problem at all so that's the bronze going up to an eight kilo",
        "customer: lovely and can you add some chipolatas as well",
    )  # fmt: skip
    assert "eight kilo" in found["readback_mismatch"].evidence[-1].quote


@pytest.mark.parametrize(
    ("lines", "wrong"),
    [
        (("customer: the black ones in a size eight please",
          "agent: yeah they've got two pairs in so that's the black cloudrun in a nine i'll put "
          "those on reserve for you"), "in a nine"),
        (("customer: i'd like to order two of your bulk bags of the kiln dried ash please",
          "agent: it's fine i'll put you on the small truck then so that's three bulk bags of "
          "kiln dried ash"), "three bulk bags"),
        (("agent: tuesday she's got nine o'clock or quarter to eleven",
          "customer: tuesday i can't do nine i've got the school run so quarter to eleven please",
          "agent: okay that's you in for tuesday eleven fifteen till quarter past one"),
         "eleven fifteen"),  # one option turned down on the way to the other, chosen
        (("customer: could you reserve the trail runners in a size eight and a half please",
          "agent: so that's the trail runners in a size eight"), "size eight"),
        (("customer: can i change my order to a seven and a half kilo turkey please",
          "agent: no problem at all so that's the seven kilo"), "seven kilo"),
        (("customer: can i get two of your extra large bags of ash for friday please",
          "agent: so that's three extra large bags of ash"), "three extra large bags"),
        (("customer: i'd like the navy ones in a size ten please",
          "agent: right then so it's the size nine in navy"), "size nine"),
    ],
)  # fmt: skip
def test_a_size_a_count_or_a_chosen_time_read_back_wrong_is_a_mismatch(analyzer, lines, wrong):
    found = labels_of(analyzer, *lines)
    assert wrong in found["readback_mismatch"].evidence[-1].quote


def test_what_the_customer_would_like_is_their_value_and_a_reason_is_no_read_back(analyzer):
    wrong = labels_of(
        analyzer,
        "customer: I'd like two of the large boxes, please.",
        "agent: Lovely, so that's three large boxes, is that right?",
    )  # fmt: skip
    assert "three large boxes" in wrong["readback_mismatch"].evidence[-1].quote
    reason = labels_of(
        analyzer,
        "customer: The quote said sixty pounds for the service.",
        "agent: It needed a new valve, so that's the reason it's ninety pounds.",
    )  # fmt: skip
    assert "readback_mismatch" not in reason


def test_an_offer_turned_down_and_a_deadline_are_no_read_back_mismatch(analyzer):
    found = labels_of(
        analyzer,
        "customer: can you stop them from the fourteenth",
        "agent: yeah so from the fourteenth that would skip june and start again with the one "
        "that goes out on the twentieth of september is that okay",
        "customer: um the twentieth is a bit late i'll have run out by then",
        "agent: ah okay what day are you back",
        "customer: the fifteenth of september",
        "agent: i can send it out on the twelfth of september then",
        "customer: oh perfect yeah",
        "agent: right that's done the pause is on from the fourteenth of june and the next one "
        "goes out the twelfth of september",
        "customer: do i need to send the prescription before i go",
        "agent: no you can do it any time really as long as it's checked before the twelfth",
    )  # fmt: skip
    assert "readback_mismatch" not in found


def test_the_option_not_chosen_read_back_is_a_mismatch(analyzer):
    found = labels_of(
        analyzer,
        "agent: On the Saturday there's the 08:15, same as you had, or the 14:45.",
        "customer: The morning one, please, the 08:15.",
        "agent: Okay. So just to confirm, your outbound is now Saturday the nineteenth of July "
        "at 14:45, is that right?",
        "customer: Lovely, that all sounds right.",
    )  # fmt: skip
    assert "14:45" in found["readback_mismatch"].evidence[-1].quote


@pytest.mark.parametrize(
    ("lines", "absent"),
    [
        (("agent: morning kingsway motors dave speaking", "customer: hi I need an MOT"),
         "no_greeting"),
        (("customer: thanks dave", "agent: cheers see you friday"), "no_closing"),
        (("customer: there's a squeak from the front brakes",
          "agent: I'll flag the squeak and if it needs pads they'll ring you before doing "
          "anything"), "callback_without_time"),  # only if it is needed
    ],
)  # fmt: skip
def test_everyday_greetings_closings_and_conditional_calls(analyzer, lines, absent):
    assert absent not in labels_of(analyzer, *lines)


@pytest.mark.parametrize(
    "put_off",
    [
        "Okay, I'll have to check that with the club, did you book it online?",
        "The manager will go through all that with you when you're next in, did you book online?",
    ],
)
def test_a_question_put_off_with_nothing_after_is_left_open(analyzer, put_off):
    lines = [
        "agent: Hello, Fitzone members line, this is Kyle.",
        "customer: Hi, can you freeze my membership for two months?",
        "agent: Right, that's done, it's frozen from the first of March.",
        "customer: Great. And will I get a refund for the session I was charged for?",
        f"agent: {put_off}",
        "customer: Yes, on the app.",
        "agent: Okay, anything else?",
        "customer: No, bye.",
    ]
    (analysis,) = analyse_calls([make_transcript(*lines)], analyzer)
    outcomes = [f.details for f in analysis.findings if f.label == "request_outcome"]
    assert outcomes[-1] == {"outcome": "unresolved", "request": "2", "put_off": "true"}
    assert "put_off" in [f.reason for f in flag_call(None, analysis.findings)]


def test_a_call_cut_off_has_no_recap_to_judge(analyzer):
    found = labels_of(
        analyzer,
        "agent: Hello, Harper Valley bank, how can I help you today?",
        "customer: I lost my credit card, can you send me a new one?",
        "agent: Yeah, sure, I can help you with that.",
        "agent: So you said you lost your credit card, right?",
        "customer: Yes.",
        "agent: Okay, let me set that up for you.",
        "agent: Could I get your home address?",
        "customer: Um, it's",
        "agent: We'll post the new card in three to five business days.",
    )  # the customer's address broke off: cut off, as on the Harper Valley call 0bbbedb4
    assert "cut_off" in found
    assert "closing_summary" not in found and "no_closing_summary" not in found


def test_customer_sentiment_shift_over_the_call(analyzer):
    calm = ["customer: Hi, I have a question about my bill.", "customer: It's for October."]
    angry = ["customer: This is ridiculous, I'm furious.", "customer: I'm so angry and upset."]
    lines = []
    for text in calm + calm + angry:
        lines += [text, "agent: Okay."]
    worse = labels_of(analyzer, *lines)
    (analysis,) = analyse_calls([make_transcript(*lines)], analyzer)
    track = analysis.customer_emotion
    assert len(track) == 6 and track[-1].negative > track[0].negative + 0.2
    assert worse["sentiment_worsened"].polarity == "negative"
    assert worse["sentiment_worsened"].value > 0.2
    assert "furious" in worse["sentiment_worsened"].evidence[0].quote or "angry" in (
        worse["sentiment_worsened"].evidence[0].quote
    )


def test_a_threshold_from_settings_changes_what_a_detector_finds(analyzer):
    call = make_transcript(
        "customer: I'm really upset, this is the third time my card has been declined.",
        "agent: Let me look at the account.",
        "agent: I'm so sorry, that must be stressful.",
    )
    (ctx,) = build_contexts(
        [call], analyzer.encoder, analyzer.nlp, analyzer.heads, analyzer.prototypes
    )
    patient, strict = DETECTORS["empathy"](), DETECTORS["empathy"](reply_turns=1)
    assert "distress_acknowledged" in {f.label for f in patient.detect(ctx)}
    assert "distress_ignored" in {f.label for f in strict.detect(ctx)}


@pytest.mark.parametrize(
    "reason",
    [
        "The monthly price is on the basis that it rolls on.",
        "That's the trade-off for the lower price.",
        "You've renewed it three times, which is the maximum.",
        "Saver fares can't be refunded once the coach has left.",
    ],
)
def test_a_refusal_with_its_reason_raises_no_unresolved_flag(analyzer, reason):
    lines = (
        "agent: Hello, how can I help?",
        "customer: I'd like a refund for my ticket please.",
        f"agent: I'm afraid I can't do that. {reason}",
        "customer: Okay, bye.",
        "agent: Bye now.",
    )
    found = labels_of(analyzer, *lines)
    assert found["unresolved"].details["reason_given"] == "true"
    assert "unresolved" not in {f.reason for f in flag_call(None, tuple(found.values()))}


def test_a_bare_goodbye_is_named_as_one(analyzer):
    assert "bare goodbye" in labels_of(analyzer, *BARE_GOODBYE)["no_closing"].why


def test_unicode_digits_read_as_their_values(analyzer):
    from callqa.qa_rules.readback import details

    assert details("at ３:３０ pm, reference ４５２７") == details("at 3:30 pm, reference 4527")


def test_a_call_of_many_wrong_read_backs_is_bounded(analyzer):
    asked = " ".join(f"It's the {d % 28 + 1}th at {d % 12 + 1} pm, sorry, I mean the "
                     f"{(d + 1) % 28 + 1}th." for d in range(100))  # fmt: skip
    checks = [line for k in range(200) for line in
              (f"agent: So that's the {k % 28 + 1}th at {k % 12 + 1} pm for {10 ** 30 + k} "
               "people, is that right?", "customer: no")]  # fmt: skip
    transcript = make_transcript(f"customer: I need to move my booking. {asked}", *checks)
    (analysis,) = analyse_calls([transcript], analyzer)
    wrong = [f for f in analysis.findings if f.label.startswith("readback")]
    assert 0 < len(wrong) <= 20 and all(len(f.why) < 300 for f in wrong)
