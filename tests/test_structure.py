"""The call's structure and outcomes, table-driven: an information answer, a past or passive
action, several requests, a transfer, an escalation, a callback, a failed action, a re-raise,
a call cut off; read-back mismatches of amounts, times, days and counts."""

from __future__ import annotations

import pytest

from callqa.qa_rules.readback import details, mismatches, with_bare_amounts
from tests.helpers import make_transcript

CALLS = {
    "information": ("resolved", (
        "agent: Thank you for calling Harbor Bank, how can I help you today?",
        "customer: Hi, I'd like to check the balance on my savings account.",
        "agent: Sure. Your savings account balance is one hundred and ten dollars.",
        "agent: Is there anything else I can help you with?",
        "customer: No, that's it, thank you.",
        "agent: Thanks for calling, have a great day.",
    )),
    "read back, then done": ("resolved", (
        "agent: hello village hall bookings it's sue",
        "customer: hi i'm hoping to book the hall for my boy's party saturday the nineteenth "
        "from two till six",
        "agent: let me look at the diary yes the main hall's free all afternoon",
        "customer: okay that's fine how do i pay",
        "agent: i'll email you an invoice this afternoon",
        "customer: okay my email's [EMAIL]",
        "agent: so that's [EMAIL] lovely and that's booked in for you saturday the nineteenth "
        "two till six in the main hall",
        "customer: great thanks so much bye",
    )),
    "booked, with the driver's call ahead": ("resolved", (
        "agent: Morning, Hadley Building Supplies, it's Gaz.",
        "customer: I need some sand delivered for a patio job, ideally Thursday or Friday.",
        "agent: I've got Thursday between seven and twelve, or Friday afternoon.",
        "customer: Thursday morning's good.",
        "agent: So that's booked for Thursday the third, seven till twelve, on account.",
        "customer: Great. The driver rings ahead, does he?",
        "agent: Yeah, he'll ring you about half an hour before he gets to you.",
        "customer: Sound. That's it then, bye.",
    )),
    "passive action": ("resolved", (
        "agent: Hello, Harbor Bank, how can I help?",
        "customer: I need a new checkbook please.",
        "agent: Can I have your address?",
        "customer: It's [ADDRESS].",
        "agent: Okay, a new checkbook has been sent to your home address.",
        "agent: Anything else today?",
        "customer: No thank you, bye.",
    )),
    "two requests": ("resolved", (
        "agent: Good morning, how can I help you?",
        "customer: I lost my debit card and I need it blocked.",
        "agent: I'm sorry to hear that. I've blocked the card now and ordered a replacement.",
        "customer: Thanks. Also, what time does the Elm Street branch open on Saturday?",
        "agent: The Elm Street branch opens at nine a m on Saturdays.",
        "customer: Great, that's all, thank you.",
        "agent: You're welcome, bye.",
    )),
    "transfer": ("transferred", (
        "agent: Crestnet billing, how can I help?",
        "customer: My internet has been down since last night.",
        "agent: I'm sorry. That's a line fault, which our technical support team handles.",
        "agent: I'm transferring you to technical support now, they'll pick up in a moment.",
        "customer: Okay, thanks.",
    )),
    "escalation": ("escalated", (
        "agent: Harbourline Energy, how can I help?",
        "customer: You've taken my direct debit twice and I want my money back today.",
        "agent: I'm really sorry. A same-day refund needs my supervisor's approval.",
        "agent: I've escalated it to my supervisor and I'll hand you over to her now.",
        "customer: Fine, thank you.",
    )),
    "callback": ("callback", (
        "agent: Metro Water, how can I help?",
        "customer: There's a leak outside my house and I want someone to fix it.",
        "agent: I've logged it, and our engineering team will call you back tomorrow morning.",
        "customer: Okay, thanks, bye.",
        "agent: Bye.",
    )),
    "failed action": ("unresolved", (
        "agent: Northbridge Bank, how can I help you?",
        "customer: I need to send eight hundred pounds to my landlord today.",
        "agent: Let me try that for you.",
        "agent: Sorry, the transfer didn't go through, there's a system error.",
        "agent: I'm not able to do that from here at the moment.",
        "customer: So what do I do?",
        "agent: I'm afraid I don't know.",
        "customer: Right. Bye.",
    )),
    "re-raised": ("unresolved", (
        "agent: Kestrel Mobile, how can I help?",
        "customer: My phone bill is wrong, I was charged for roaming but I never left the UK.",
        "agent: I see a roaming charge of twelve pounds on the fourth.",
        "customer: But I never left the UK, why was I charged for roaming?",
        "agent: Anything else today?",
        "customer: No. Bye.",
    )),
    "two requests in one sentence": ("partly_resolved", (
        "agent: Kestrel Mobile, how can I help?",
        "customer: I need to change my mobile number, and there's a payment on my card I don't "
        "recognise.",
        "agent: Sure. I've updated your number to the new one now.",
        "agent: The payment is from a shop you bought from before, so I'm not able to dispute it.",
        "customer: Right. Bye.",
    )),
    "cut off": ("cut_off", (
        "agent: Harbor Bank, how can I help you today?",
        "customer: I'd like to pay my electricity bill please.",
        "agent: Sure, which account would you like to pay it from?",
        "customer: From my checking account.",
        "agent: And what is the amount",
    )),
    "follow-up remark": ("resolved", (
        "agent: Larchfield Bank, how can I help?",
        "customer: I'd like to know when my credit card payment is due.",
        "agent: Your payment of twelve pounds is due on the twenty-third of this month.",
        "customer: Oh right, nobody told me that. I'll pay it in full before then.",
        "agent: Perfect. Anything else I can help with?",
        "customer: No, that's all, thanks.",
        "agent: Thanks for calling, bye.",
    )),
    "read-back confirmed, then the line drops": ("cut_off", (
        "agent: metro water how can i help",
        "customer: hi there's water coming up through the pavement outside my house",
        "agent: okay so water bubbling up outside number [HOUSE_NUMBER] yeah",
        "customer: yeah that's it",
        "agent: right i'm raising it now as a priority and i can give you a reference and the",
        "customer: sorry you cut out there",
        "customer: hello hello can you hear me",
    )),
    "sent elsewhere": ("unresolved", (
        "agent: Brightside Stores, how can I help?",
        "customer: There's a payment on my card from your shop that I don't recognise.",
        "agent: Because it was a purchase on your card, you'll need to contact your bank "
        "about it.",
        "customer: Okay. Bye.",
    )),
    "one done, one called back": ("partly_resolved", (
        "agent: Harbor Bank, how can I help?",
        "customer: I need to order some more chequebooks, and I never got my paper statement.",
        "agent: Okay, two chequebooks have been ordered.",
        "customer: Thanks. And the statement?",
        "agent: The statements team will call you back about that tomorrow.",
        "customer: Okay, bye.",
    )),
    "a fact is not the action asked for": ("cut_off", (
        "agent: Larchfield Bank cards, how can I help?",
        "customer: I'd like to get my credit limit increased.",
        "agent: At the moment your limit is two thousand pounds.",
        "agent: Let me check whether you're eligible.",
        "customer: Will I need to send anything in?",
        "agent: If it's approved, the new limit will be",
        "customer: Hello? Are you still there?",
    )),
    "an answer after a refusal": ("unresolved", (
        "agent: Volt Mobile, how can I help?",
        "customer: I got charged thirty pounds for roaming and I want it refunded.",
        "agent: I'm not able to refund roaming charges, they were used correctly.",
        "customer: So I just have to pay it?",
        "agent: Yes, the charges are valid, you can add a roaming pass next time.",
        "customer: Fine. Bye.",
    )),
    "a follow-up answered yeah": ("resolved", (
        "agent: Brightside Stores, how can I help?",
        "customer: My kettle stopped working and I'd like a refund please.",
        "agent: Right, that's refunded to your card.",
        "customer: Oh, okay, great. And that's the card I paid with?",
        "agent: Yeah.",
        "customer: Okay. Thanks then.",
        "agent: Anything else?",
        "customer: No, that's all.",
    )),
    "not something we can do": ("unresolved", (
        "agent: Corran Energy, how can I help?",
        "customer: I need my meter moved to the outside wall for the builders.",
        "agent: Unfortunately it's not something we can do as the supplier.",
        "agent: The network operator moves meters, it's normally a few hundred pounds.",
        "customer: Okay, thanks, bye.",
    )),
    "looking to, and wondering if": ("partly_resolved", (
        "agent: Lumen Broadband, how can I help?",
        "customer: I'm looking to go up to the faster broadband, and also I was wondering if you "
        "could do the new customer price for me.",
        "agent: The new customer price is only for new lines, so I can't put it on your account.",
        "agent: That's done for you, the upgrade's booked for Thursday.",
        "customer: Okay, thanks, bye.",
    )),
    "left with a team leader": ("escalated", (
        "agent: Harbor Bank, how can I help?",
        "customer: You took my mortgage payment twice and I need it back today.",
        "agent: I'm so sorry. That needs my team leader's authority.",
        "agent: I'll hand you over to Sam, our team leader, now.",
        "customer: Thanks.",
    )),
    "two things announced": ("partly_resolved", (
        "agent: Fibrelink, how can I help today?",
        "customer: oh hi um yeah two things really i wanna move my direct debit date and uh the "
        "internet's been rubbish in the evenings",
        "agent: okay that's done it's the twenty eighth from now on",
        "agent: and the speeds i'll pass it to the network team and they'll give you a call back",
        "customer: okay thanks bye",
    )),
    "how it works is not an action done": ("unresolved", (
        "agent: Northbridge Bank, how can I help?",
        "customer: I need to send the deposit to my solicitor today.",
        "agent: I'm not able to raise your limit over the phone.",
        "agent: CHAPS payments are processed by the branch on the same day.",
        "customer: Right. Bye.",
    )),
    "callback in passing, when left open": ("callback", (
        "agent: Skyvale Airways, how can I help?",
        "customer: My dad needs wheelchair assistance on his flight next Thursday.",
        "agent: I've put in the request, and our assistance team will give you a call to go "
        "through it.",
        "customer: Okay. When will they call?",
        "agent: I can't say exactly, it depends how busy they are.",
        "agent: Once it's arranged, someone meets him at the check-in desk.",
        "customer: That's good to know. Thanks, bye.",
    )),
    "paperwork after a callback": ("callback", (
        "agent: Fibrelink, how can I help?",
        "customer: My broadband keeps cutting out, can you fix it?",
        "agent: It's not something I can fix from here, our network team will give you a call "
        "back to arrange an engineer.",
        "agent: I've raised that now, the reference is [REFERENCE].",
        "customer: Okay, thanks, bye.",
    )),
    "card line is not a transfer": ("unresolved", (
        "agent: Ashby Council, how can I help?",
        "customer: I need to buy visitor parking permits, the online form won't take payment.",
        "agent: I'll put you through to our automated card line, then you'll come straight back "
        "to me.",
        "agent: I'm back. I'm afraid the payment has failed on our side.",
        "agent: The permit system is down this morning, so I can't issue them right now.",
        "customer: Oh, that's annoying. Okay, bye.",
    )),
    "looked into, nothing done": ("unresolved", (
        "agent: Flixa support, how can I help?",
        "customer: I cancelled my subscription last month and I've been charged again, I want it "
        "back.",
        "agent: Okay, I've cancelled it now so it won't renew again.",
        "customer: Okay but what about the money?",
        "agent: Yeah, the refund, I'll look into it for you.",
        "customer: Right. Thanks, bye.",
    )),
    "refunded while the customer listens": ("resolved", (
        "agent: Thanks for calling, how can I help?",
        "customer: I was charged twice for my order, can you refund one?",
        "agent: I'm sorry about that. I'm refunding it now.",
        "customer: Great, thanks.",
    )),
    "refund only if": ("unresolved", (
        "agent: Harbourside Hotel, how can I help?",
        "customer: You've charged me forty two pounds for the minibar and we never opened it.",
        "agent: Okay well I can't take it off from here because it's gone through accounts.",
        "customer: So will I get the money back then?",
        "agent: Yeah if it's a mistake it'll get refunded.",
        "customer: Okay. Thanks, bye.",
    )),
    "second request announced and refused": ("partly_resolved", (
        "agent: Velocar, how can I help?",
        "customer: I'd like to keep my hire car until Sunday please.",
        "agent: That's fine, I've extended it to Sunday at eight p.m. Shall I take the payment?",
        "customer: Yeah, go ahead. Oh, and one other thing. Could I drop it at the airport "
        "branch instead?",
        "agent: I'm afraid I can't change the return branch on this booking.",
        "customer: Okay. Thanks, bye.",
    )),
    "yes-no question dodged": ("unresolved", (
        "agent: Kestrel Bank, how can I help?",
        "customer: I need my daily payment limit put up so I can pay my solicitor.",
        "agent: The limit is there because of fraud.",
        "customer: So you can't just put the limit up for the day?",
        "agent: Most people find the branch the easiest way, honestly.",
        "customer: Okay. Thanks, bye.",
    )),
    "another matter announced": ("unresolved", (
        "agent: Swiftdrop Parcels, Kyle speaking.",
        "customer: My parcel says delivered but it's not here.",
        "agent: Hold on, let me look.",
        "customer: Oh wait, I've found it behind the bin.",
        "customer: And while I've got you, can you put a note on Friday's parcel to leave it "
        "next door?",
        "agent: Sorry, I can't add notes to other parcels on this call.",
        "customer: Okay, bye.",
    )),
    "a request and its reason": ("unresolved", (
        "agent: Hello, FitZone, Sam speaking.",
        "customer: Hi. I need to cancel my membership, please. I've lost my job and I can't keep "
        "paying thirty-four pounds a month.",
        "agent: You're on a twelve-month contract with five months left.",
        "agent: It's in the contract you signed when you joined.",
        "customer: Is there really nothing you can do?",
        "agent: No, I'm afraid you can't cancel in the minimum term.",
        "customer: Right. Bye.",
    )),
    "looked into by another team": ("unresolved", (
        "agent: Brightline broadband, how can I help?",
        "customer: There's a sixty five pound engineer charge and the fault was outside.",
        "agent: I can see the visit, the notes say fault found external.",
        "agent: So I'll need to look into it with the field team.",
        "customer: Okay, will somebody let me know?",
        "agent: Yeah, we'll look into it.",
        "customer: Okay then, bye.",
    )),
    "in touch only if needed": ("unresolved", (
        "agent: Flixwave support, how can I help?",
        "customer: I've been charged twice for my subscription this month.",
        "agent: I can't see it our end, so I'll pass it on to billing and they'll look into it.",
        "customer: Okay, and how will I know?",
        "agent: They'll be in touch if they need anything else from you.",
        "customer: Right, okay, bye.",
    )),
    "link sent after a refusal": ("unresolved", (
        "agent: Hello, Vela Mobile, how can I help?",
        "customer: I want to put my son's phone contract into his own name.",
        "agent: I'm sorry, I can't do the transfer on this call, your son has to agree to it.",
        "agent: He can do it online with the transfer form, I can text him the link if you like.",
        "customer: Yeah go on.",
        "agent: Right, I've sent that to his number now.",
        "customer: Okay, thanks, bye.",
    )),
    "no more after anything else": ("resolved", (
        "agent: Paws and Co Pet Insurance, how can I help?",
        "customer: My dog needs an operation this afternoon, I need to know if I'm covered.",
        "agent: You're on Lifetime Plus, so accidents like this are covered up to six thousand.",
        "customer: Oh, thank God.",
        "agent: Is there anything else I can do for you right now?",
        "customer: No, I'll ring the vet. Thank you so much.",
        "agent: Take care, bye.",
    )),
    "a question and what the customer lacks": ("resolved", (
        "agent: Hello, Hollis and Pine, how can I help?",
        "customer: My coat is too small, I'd like to swap it for the next size up.",
        "agent: Of course. I've set up the exchange and emailed you a returns code.",
        "customer: Do I need to print a label? I haven't got a printer.",
        "agent: No, the shop scans the code and prints the label for you.",
        "customer: Oh, perfect. Thanks, bye.",
    )),
    "recap after a refusal": ("partly_resolved", (
        "agent: Hello, Riverside Homes repairs, how can I help?",
        "customer: My heating has stopped working and I need an engineer out.",
        "agent: I'm sorry. I've booked an engineer for tomorrow between eight and twelve.",
        "customer: Thank you. And the other thing is, I want some money off the rent this week.",
        "agent: That's fair to ask. Compensation isn't something I can do on the repairs line.",
        "customer: Right, okay.",
        "agent: So, to recap: the engineer is booked for tomorrow between eight and twelve.",
        "agent: Is there anything else?",
        "customer: No, that's it, bye.",
    )),
    "an engineer who rings ahead": ("resolved", (
        "agent: Castlegate Lettings maintenance line, Sam speaking.",
        "customer: The boiler's stopped working and there's no hot water.",
        "agent: I've booked our engineer for this afternoon between two and five.",
        "agent: He'll call you about half an hour before he arrives.",
        "customer: Great, thank you.",
        "agent: Is there anything else?",
        "customer: No, that's everything. Thanks.",
    )),
    "an alternative taken instead": ("resolved", (
        "agent: Pulse Fitness membership team, Chloe speaking, how can I help?",
        "customer: I want to cancel my membership please, I've had an operation on my knee.",
        "agent: Sorry to hear that. There'd be a charge of ninety nine ninety six to cancel early.",
        "customer: Oh god, no.",
        "agent: But with a medical reason you can freeze it for up to three months for free.",
        "customer: Oh right, that's better, I'll do that instead then.",
        "agent: Okay, so the freeze runs from today for three months and nothing comes out.",
        "customer: Okay, brilliant, thank you.",
        "agent: You're welcome, hope the knee gets better soon, bye.",
    )),
    "answered after a hold": ("resolved", (
        "agent: Parkside Pharmacy, Jordan speaking.",
        "customer: I'd like to order my repeat prescription, please.",
        "agent: I'll send the request to the surgery now, it'll be ready from Thursday.",
        "customer: Lovely. Oh, and will I need to pay? Or is it free because of my age?",
        "agent: Let me check.",
        "agent: Yes, you're exempt on age, so there's no charge.",
        "customer: Oh good, I wasn't sure.",
        "agent: Anything else?",
        "customer: No, that's all, thank you.",
    )),
    "a question put off and another request done": ("partly_resolved", (
        "agent: Northsound Ferries, Gareth speaking, how can I help?",
        "customer: We're bringing our dog. Can she stay in the cabin with us overnight?",
        "agent: I'll have to check that one, the pet cabins are a bit different on that ship.",
        "customer: Okay. I'd also like to add her to the booking please.",
        "agent: No problem, I've added one dog to the booking now.",
        "customer: Thanks, bye.",
    )),
    "a second request asked in the same breath": ("partly_resolved", (
        "agent: Harbourside Hotel, how can I help?",
        "customer: I need to move my booking by a day, and I also wanted to ask about a cot.",
        "agent: Of course. That's done, the booking's been moved to Saturday.",
        "customer: Brilliant. And the cot?",
        "agent: I'll have to check that with housekeeping.",
        "customer: Okay, thanks, bye.",
    )),
    "how to reach who the agent sent them to": ("unresolved", (
        "agent: Tixpoint customer services.",
        "customer: The gig's been moved to March and we can't go, so I want my money back.",
        "agent: You'd have to take it up with the promoter, it's their decision not ours.",
        "customer: And how do I even contact the promoter?",
        "agent: Their details are on the website.",
        "customer: Right. Bye.",
    )),
    "an extra that is booked up": ("partly_resolved", (
        "agent: Northsea Ferries, Callum speaking.",
        "customer: I need to move my sailing from the twelfth to the thirteenth.",
        "agent: So two adults and a car, going out on the thirteenth instead, is that right?",
        "customer: Yes. Oh and we're bringing the dog, so we'd need a pet friendly cabin.",
        "agent: I'm afraid the pet friendly cabins on the thirteenth are all booked up.",
        "customer: I'll talk to my wife. Can you just move the sailing for now?",
        "agent: Of course, I've moved you onto the thirteenth at eight pm.",
        "customer: Thanks, bye.",
    )),
    "a callback after a hold, the order marked urgent": ("callback", (
        "agent: Oakhaus Furniture deliveries, Jade speaking.",
        "customer: My sofa was due this morning and nobody's turned up.",
        "agent: That's what I need to find out. Only the depot can speak to the drivers.",
        "agent: What I'll do is put a note on the order, and someone from the depot will call "
        "you back to let you know whether it's still coming today.",
        "customer: When, though?",
        "agent: I can't give you an exact time, I'm afraid.",
        "agent: I've marked it urgent and added your comments. Anything else?",
        "customer: No. Bye.",
    )),
    "an answer, then another request in the same breath": ("partly_resolved", (
        "agent: Northsound Ferries, Gareth speaking, how can I help?",
        "customer: We're bringing our dog this time. Can she stay in the cabin with us?",
        "agent: I'll have to check that one. Is the dog on the booking yet?",
        "customer: No, not yet. Can you add her?",
        "agent: No problem, I've added one dog to the booking now.",
        "customer: Thanks, bye.",
    )),
    "a team leader takes over and promises a call": ("escalated", (
        "agent: SunPeak Solar, Ben speaking.",
        "customer: My inverter has failed again after two engineers. I'd like to speak to a "
        "manager, please.",
        "agent: I'll get my team leader, Rachel, now. Can I put you on hold?",
        "customer: Fine.",
        "agent: Hello, this is Rachel, the team leader. I've looked at the visit notes.",
        "agent: I'll raise a claim for the lost generation and I'll call you by five on Friday.",
        "customer: Okay, thank you.",
    )),
    "a service asked about after the answer, then put off": ("partly_resolved", (
        "agent: Greenway Pharmacy, Lucy speaking.",
        "customer: I'm just ringing to see if my repeat prescription's ready.",
        "agent: Thanks for waiting. Yes, we've got it, that's your two items from the surgery. "
        "They've been made up and they're ready to collect from today.",
        "customer: I've just had my hip done. Do you do deliveries at all?",
        "agent: I'll have to check that with the pharmacist.",
        "agent: Your prescription's all done on our side anyway, so that's all sorted.",
        "customer: Thank you, bye.",
    )),
    "two requests in one turn, each done later": ("resolved", (
        "agent: Clearview Opticians, Priya speaking.",
        "customer: Can I move my eye test on Thursday? And while I'm on, my contact lenses "
        "still haven't turned up.",
        "agent: Of course. What day would suit you instead?",
        "customer: Wednesday morning.",
        "agent: That's booked for Wednesday, and I've cancelled Thursday's.",
        "agent: Now the lenses. I've ordered a replacement box of lenses at no charge.",
        "customer: Brilliant, thanks, bye.",
    )),
    "sold out, but another one ordered": ("resolved", (
        "agent: Brightside Homeware, Amy speaking.",
        "customer: Hi, I'd like to order the Oslo lamp in brass please.",
        "agent: Sorry, that colour is sold out, but I've ordered the navy one for you instead.",
        "customer: Oh great, thanks, bye.",
    )),
    "booked up, then another day booked": ("resolved", (
        "agent: Harbor Ferries, Tom speaking, how can I help?",
        "customer: Hi, I need a pet friendly cabin on the thirteenth sailing please.",
        "agent: I'm afraid the pet friendly cabins on the thirteenth are all booked up.",
        "customer: Oh no. What about the fourteenth?",
        "agent: I've booked you a pet friendly cabin on the fourteenth and emailed the "
        "confirmation.",
        "customer: Perfect, thank you so much.",
    )),
    "a question put off and answered later": ("resolved", (
        "agent: Harbor Ferries, Tom speaking, how can I help?",
        "customer: I wanted to know if I can bring my dog in the cabin.",
        "agent: Good question. I'll have to check that one with the ship's team.",
        "customer: Okay. And can you also tell me what time check-in closes?",
        "agent: Check-in closes forty five minutes before departure.",
        "customer: Great, thanks.",
        "agent: Right, I've just heard back from the ship's team: yes, dogs are allowed in the "
        "pet friendly cabins, and your cabin is one of those, so you can bring your dog.",
        "customer: Brilliant, thank you. Bye.",
    )),
    "booked in, said plainly": ("resolved", (
        "agent: Hiya, Spokes, it's Kieran.",
        "customer: I'm after booking my bike in for a service.",
        "agent: I've got Tuesday or Wednesday next week.",
        "customer: Wednesday's better.",
        "agent: Okay, that's you in for Wednesday the fifth. Can I take a name?",
        "customer: Okay.",
        "agent: See you Wednesday.",
    )),
    "done, and no charge": ("resolved", (
        "agent: Hiya, Fresh Fork, how can I help?",
        "customer: I need to pause my deliveries for two weeks.",
        "agent: So that's skipping the fourteenth and the twenty first, is that right?",
        "customer: Yeah.",
        "agent: Done, they're both skipped, you won't be charged for either of those.",
        "customer: Okay.",
        "agent: Enjoy your holiday, bye.",
    )),
    "one thing, and also another": ("partly_resolved", (
        "agent: Good morning, Ashcombe Manor weddings, how can I help?",
        "customer: I've got our final numbers, so I wanted to give you those, and I also need "
        "to move our menu tasting if that's possible.",
        "agent: Of course. What have you ended up with?",
        "customer: Seventy for the day and ninety for the evening.",
        "agent: Lovely, I've updated the booking.",
        "customer: And the tasting?",
        "agent: I can't move tastings from my diary, I'm afraid, Sophie will ring you tomorrow "
        "morning before twelve.",
        "customer: Okay, thanks, bye.",
        "agent: Bye now.",
    )),
    "refused with a plain no": ("unresolved", (
        "agent: Castle Pest Control, Colin speaking.",
        "customer: We've got mice and I need someone out today if at all possible.",
        "agent: No, we're fully booked. Thursday's the earliest.",
        "customer: I can't have them running over the worktops for a week with a newborn.",
        "agent: You can get traps in any hardware shop.",
        "customer: Forget it, I'll ring someone else.",
        "agent: Up to you. Bye.",
    )),
    "a call to confirm the time is part of the visit": ("resolved", (
        "agent: Morning, Shadeline blinds, how can I help?",
        "customer: Can I change the colour of the left-hand blind to dove grey?",
        "agent: We can, yeah. I've changed it to dove grey on the left-hand one.",
        "customer: Brilliant. And the fitter, will he ring before he comes?",
        "agent: Yes, someone'll be in touch to confirm the time.",
        "customer: Okay, that's great, thanks.",
        "agent: Thanks for calling, bye now.",
    )),
    "another matter while it's in": ("partly_resolved", (
        "agent: Afternoon, Roadgrip Tyres, how can I help?",
        "customer: My MOT flagged both front tyres, so I'd like to get them replaced.",
        "agent: Do you know the size? So two of the two oh five fifty-fives, is that right?",
        "customer: That's right. And while it's in, how much would it be to have the tracking "
        "done?",
        "agent: The fitters will have a look at all that on the day.",
        "customer: Okay. Thursday morning if you can.",
        "agent: Thanks, I've put you in for Thursday at eight thirty.",
        "customer: And the tracking? Do I need to ask for it?",
        "agent: Just mention it when you drop the car off. Anything else?",
        "customer: No, that's it, thanks.",
        "agent: See you Thursday, bye.",
    )),
    "a team leader takes it over": ("escalated", (
        "agent: Good afternoon, Hope Harbour supporter care, how can I help?",
        "customer: My dad passed away and his monthly donation is still coming out, and I need "
        "it stopped.",
        "agent: I'm so sorry. Refunds after a death need a team leader to authorise them.",
        "agent: I've got Janet, my team leader, on the line now.",
        "agent: She's going to take it over from here. Take care.",
        "customer: Thank you, that's really kind.",
    )),
    "a number to ring is no action done": ("partly_resolved", (
        "agent: Hello, Brightpane window cleaning.",
        "customer: Two things: can you move my cleans to Fridays, and can you do the "
        "conservatory roof?",
        "agent: Yeah, that's moved for you, Fridays from the twelfth.",
        "agent: And the roof, I'm afraid we don't do roofs, our insurance only covers glass.",
        "customer: Oh, that's a shame.",
        "agent: There's a firm called Clearview. It's oh one two three, and tell them "
        "Brightpane sent you.",
        "customer: Okay, thanks, bye.",
        "agent: Bye now.",
    )),
    "a remark, then 'I also need'": ("resolved", (
        "agent: Good morning, Northgate Insurance, how can I help?",
        "customer: Hi, I've just had your renewal letter, and I also need to change my payment "
        "date to the fifteenth.",
        "agent: No problem. I've changed your payment date to the fifteenth.",
        "customer: Great, thanks, that's all.",
        "agent: You're welcome, bye now.",
    )),
    "an alternative done after a refusal": ("unresolved", (
        "agent: Good afternoon, Harbour berth office.",
        "customer: I've just sold my boat, so I won't need my berth any more. I paid the annual "
        "fee in January, and I'd like a refund for the seven months left.",
        "agent: I'm afraid our annual licences aren't refundable once the season has started.",
        "agent: What I can do is put the berth on our sub-let list.",
        "customer: Fine, put it on the list, then.",
        "agent: I've added it now.",
        "customer: Okay. I'm still not happy about it.",
        "agent: I'm sorry it's not the answer you wanted. Bye now.",
    )),
    "'and also um I wanted to buy' is another request": ("partly_resolved", (
        "agent: hi there you're through to the cutting room how can i help",
        "customer: hiya i'd like to book in for highlights with becky next week and also um i "
        "wanted to buy a gift voucher for my mum can you post one out to her",
        "agent: tuesday at ten with becky that's you booked in",
        "agent: and for your mum's voucher i'm really sorry we can't post them out",
        "customer: oh right okay thanks bye",
        "agent: bye",
    )),
    "who is calling is no request": ("resolved", (
        "agent: morning oakmere golf club how can i help",
        "customer: oh morning i'm a member my membership number's [ACCOUNT]",
        "customer: i wanted to check what i owe on the renewal",
        "agent: your renewal's six hundred and forty pound on the first of april",
        "customer: okay thanks that's all",
        "agent: cheers bye",
    )),
    "'I'll mention it to the manager' hands nothing on": ("partly_resolved", (
        "agent: hello little acorns nursery how can i help",
        "customer: two things really can we add a wednesday for her from next month and also "
        "she came home yesterday with a big bump on her head and nobody said anything",
        "agent: done that's added from the first wednesday of next month",
        "customer: thanks and what about the bump",
        "agent: i'll mention it to the manager",
        "customer: right okay",
        "agent: okay thanks for calling bye",
    )),
    "one item of an order sold out": ("partly_resolved", (
        "agent: Hartley's Butchers, how can I help?",
        "customer: I'd like to put my Christmas order in, please. A turkey, about six kilos, and "
        "a goose as well if you've still got any.",
        "agent: A six-kilo turkey, that I can do. The geese, I'm afraid, are all spoken for.",
        "customer: Oh, that's a shame. I'll try the farm then.",
        "agent: Now, for the turkey, can I take a name and number?",
        "customer: It's [PERSON], [PHONE].",
        "agent: Thanks. So that's one turkey for the twenty-third.",
        "customer: Lovely. Do I pay now?",
        "agent: Just a ten-pound deposit now, and the rest when you collect.",
        "customer: Fine. Can I pay the deposit by card now?",
        "agent: Of course, go ahead.",
        "customer: It's [CARD].",
        "agent: That's gone through. Anything else?",
        "customer: No, thanks, bye.",
    )),
    "a stopgap done after a callback promise": ("callback", (
        "agent: Oakline Kitchens, how can I help?",
        "customer: The fitter left on Friday because the worktops haven't come, I need the "
        "kitchen finished.",
        "agent: I can't book the fitter myself, but the scheduler will ring you tomorrow "
        "between two and four with a date.",
        "customer: Okay. We're living on takeaways.",
        "agent: If it helps, we can lend you a camping hob until the fit's done.",
        "customer: Oh yes please.",
        "agent: Done, I've booked the drop-off for tomorrow before twelve.",
        "customer: Thanks, bye.",
    )),
    "a number noted after a callback promise": ("callback", (
        "agent: hi you're through to little acorns nursery",
        "customer: my son starts in september so i really need to swap him to wednesdays",
        "agent: i can't move days myself she's not in today but she'll give you a ring",
        "customer: okay my number's changed it's [PHONE] now",
        "agent: okay i've updated that on his file that's done for you",
        "customer: okay thanks bye",
        "agent: bye",
    )),
    "an add-on, then a price never given": ("partly_resolved", (
        "agent: morning swiftmove removals",
        "customer: i need to move my removal to the twenty first",
        "agent: i've moved it over for you that's done",
        "customer: oh brilliant thank you um and the other thing is my neighbour's giving me "
        "her piano can you take it",
        "agent: no problem i've popped it on the job",
        "customer: great and the price roughly",
        "agent: i wouldn't want to give you a wrong figure it's best coming from the office",
        "customer: okay fine bye",
        "agent: bye",
    )),
    "money back as well, refused": ("partly_resolved", (
        "agent: good morning freshpile carpet care",
        "customer: the lounge is still soaking can you send someone back out",
        "agent: oh no i'm really sorry she can come tomorrow between nine and eleven i've "
        "booked that in",
        "customer: and i'd like some money back as well for the hassle",
        "agent: i'm not able to do a refund over the phone",
        "customer: hmm okay",
        "agent: i've added a note about the dog to your booking",
        "customer: thanks bye",
        "agent: bye",
    )),
    "the answer cut short by the line": ("cut_off", (
        "agent: greenway buses lost property you're through to dave",
        "customer: i left my rucksack on the bus last night has it been handed in",
        "agent: there's a black rucksack logged this morning off the forty three",
        "customer: so how do i check if it's mine",
        "agent: you'd have to come down the depot with some id and if it's yours they'll "
        "release it but the opening",
        "customer: hello sorry you cut out hello",
    )),
    "the scene, then the ask": ("resolved", (
        "agent: hiya paws at home pet sitting",
        "customer: hi it's [PERSON] you've looked after our cat before we're going away from "
        "the ninth to the sixteenth",
        "customer: and i wanted to book the home visits again",
        "agent: lovely i've booked her in for two visits a day",
        "customer: brilliant thanks bye",
        "agent: bye",
    )),
    "the customer says the fix worked": ("resolved", (
        "agent: hello brightwash appliance help",
        "customer: my washing machine's stopped draining it's full of water",
        "agent: pull the little hose out and open the filter",
        "customer: oh there's a hair clip in it",
        "agent: that'll be it put it back and run a drain",
        "customer: oh it's going it's actually draining",
        "agent: great one tip clean that filter every couple of months",
        "customer: i will thank you so much",
        "agent: you're welcome bye",
    )),
    "'Not this week, no.'": ("unresolved", (
        "agent: Hello, Greenleaf Garden Care.",
        "customer: Hello, it's [PERSON] at [ADDRESS].",
        "customer: Could someone come out before Thursday, please?",
        "agent: I don't think we'll manage that this week, I'm afraid.",
        "agent: The twenty-second is the next one.",
        "customer: Even for an hour? I'd pay extra.",
        "agent: Not this week, no.",
        "customer: No. I'll just have to do it myself.",
        "agent: Bye.",
    )),
    "a colleague from accounts on the line": ("transferred", (
        "agent: good morning puffin boat trips",
        "customer: our seal trip on sunday was cancelled and we'd like a refund",
        "agent: i can't put refunds through myself they're done by our accounts team",
        "agent: right i'll get her on the line now bear with me",
        "agent: thanks for holding [PERSON] i've got [PERSON] from accounts on the line",
        "customer: brilliant thank you",
    )),
    "a pack sent to HR is no handover": ("unresolved", (
        "agent: Good morning, RideWork cycle scheme.",
        "customer: I'd like to apply for an e-bike through the scheme.",
        "agent: I'm afraid I can't find your employer on our list, so I can't open an "
        "application for you yet.",
        "customer: So is there anything I can do?",
        "agent: If you give me the email for your HR team, I can send them our employer pack.",
        "customer: Thanks, that's really helpful. Bye.",
        "agent: Bye now.",
    )),
    "it works, then it breaks again": ("unresolved", (
        "agent: hello streamhub support",
        "customer: the app won't let me log in it says error four oh one",
        "agent: try clearing the cache and logging in again",
        "customer: oh it's working now",
        "customer: oh wait no it's kicked me out again same error",
        "agent: okay anything else",
        "customer: no",
        "agent: bye",
    )),
    "still not working after the fix": ("unresolved", (
        "agent: Hello, Cityline Bank, Josh speaking.",
        "customer: Hi, I can't log in to the app, it keeps saying my password is wrong.",
        "agent: Sorry about that. I've just sent a reset link to your registered email.",
        "customer: Got it, clicking it now.",
        "agent: Set a new password and then try to log in again.",
        "customer: No, it's still not working, same error.",
        "agent: Okay. Anything else I can help with?",
        "customer: No, I guess not.",
        "agent: Thanks for calling, bye.",
    )),
    "refused, then something else done": ("unresolved", (
        "agent: northway tolls jordan speaking",
        "customer: i've had a penalty charge for sixty pound and i want that fine cancelling",
        "agent: i can't cancel penalty notices from here they go to the representations team",
        "customer: so i've got to fill a form in for something that's your fault",
        "agent: yeah so do you want to update the card on the account now",
        "customer: fine yeah go on",
        "agent: right that's gone through new card's on there",
        "customer: right",
        "agent: anything else",
        "customer: no i suppose not",
        "agent: bye",
    )),
    "refused, then waived by a supervisor": ("resolved", (
        "agent: northway tolls jordan speaking",
        "customer: i've had a penalty charge for sixty pound and i want that fine cancelling",
        "agent: i can't cancel penalty notices myself but let me ask my supervisor",
        "agent: right my supervisor's agreed the charge has been waived and removed from your "
        "account",
        "customer: oh brilliant thanks",
        "agent: anything else",
        "customer: no that's it bye",
        "agent: bye",
    )),
    "another problem told mid-call and ignored": ("partly_resolved", (
        "agent: Hello, Vellum Mobile, how can I help?",
        "customer: Hi, I'd like to change my phone number on the account.",
        "agent: Of course, what's the new number?",
        "customer: It's [PHONE].",
        "agent: Lovely, that's updated.",
        "customer: Great. Oh I can't log in to the app either, it keeps saying my password's "
        "wrong.",
        "agent: Okay. Anything else today?",
        "customer: No.",
        "agent: Bye.",
    )),
    "a lead-in, a sad story, one request": ("unresolved", (
        "agent: Hello, Fernhill Road Allotment Society, how can I help you?",
        "customer: Oh, hello. My name's [PERSON], I've got plot 14B. I'm ringing because... "
        "well, my wife passed away in the spring, and I'm eighty-four now, and I just can't "
        "keep on top of it any more. I'd like my daughter to take the plot over.",
        "agent: I'm so sorry. Under the society's rules, plots can't be handed on to family.",
        "agent: What I can do is put her on the waiting list.",
        "customer: Right. I'm sorry, I didn't mean to go on.",
        "agent: Not at all. I'll email her the form this afternoon.",
        "customer: Thank you. Goodbye.",
        "agent: Goodbye.",
    )),
    "a reply to a refusal is no new request": ("partly_resolved", (
        "agent: Hello, Lotus Lane Yoga, Jess speaking.",
        "customer: Hi. I've got a couple of things. My class pack ran out with four classes "
        "left, because I sprained my ankle. Is there any way to extend it? And I need to "
        "change my email address.",
        "agent: I'm afraid I can't extend it myself, only the manager can, with a doctor's note.",
        "customer: I didn't go to the doctor, though, it was just a sprain.",
        "agent: You could email her anyway and explain.",
        "customer: Okay. And the email?",
        "agent: Yes, what's the new one?",
        "customer: It's [EMAIL].",
        "agent: Done, that's updated.",
        "customer: Great, thanks. Bye.",
        "agent: Bye.",
    )),
    "a last question answered with a reason": ("resolved", (
        "agent: hiya hearthside logs mark speaking",
        "customer: i'd like to order two bulk bags of kiln dried ash for friday please",
        "agent: no problem what's the address",
        "customer: it's [ADDRESS]",
        "agent: right that's gone through it'll be with you friday between eight and one",
        "customer: great um do you take the bags back after or do i keep them",
        "agent: yeah leave them folded by the gate and the driver takes them away next time "
        "but they need to be dry because they can't take wet ones on the van",
        "customer: lovely thanks bye",
        "agent: cheers bye",
    )),
    "'what about the chicken?' answered with the other matter": ("partly_resolved", (
        "agent: fresh fork how can i help",
        "customer: i need to pause my deliveries for two weeks",
        "agent: okay that's done they're both skipped",
        "customer: great and the other thing last week's box the chicken thighs weren't in it "
        "can i get a refund for that",
        "agent: okay so your next box is the twenty eighth",
        "customer: okay but what about the chicken",
        "agent: oh sorry about that um yeah you're all set for the pause was there anything else",
        "customer: no that's it then",
        "agent: okay thanks for calling bye",
    )),
    "two asks in one turn, the first answered after the second": ("resolved", (
        "agent: Good morning, Sentinel Eye Security, how can I help?",
        "customer: The police want last night's footage, but I've no idea how to get the "
        "footage off the app. I'd also like a quote for a camera that covers the shed.",
        "agent: Let's get the footage saved first. Open the app and tap the camera on the back "
        "corner, then the share arrow, and the footage saves to your phone.",
        "customer: Oh, that's it, it's in my videos now.",
        "agent: For the shed, a wired camera on the garage wall is two hundred and forty pounds "
        "fitted.",
        "customer: Can you book it in?",
        "agent: Of course. Thursday the ninth, eight till twelve. Lovely, that's booked.",
        "customer: Thank you, bye.",
        "agent: Bye now.",
    )),
    "the answer's turn cut short": ("cut_off", (
        "agent: hiya bubble tubs jess speaking",
        "customer: our hot tub's stopped heating and the party's tonight",
        "agent: i'll get a technician out to you today bear with me",
        "customer: okay thank you",
        "agent: right i can get him out to you between two and four",
        "agent: so he can",
        "customer: hello i can't hear you",
        "agent: hello can you hear me",
        "customer: hello hello are you still there",
    )),
    "one change made, an extra asked in a question refused": ("partly_resolved", (
        "agent: Good morning, Hollybank Catering, Hannah speaking.",
        "customer: Morning. We've got our Christmas lunch booked with you for the twelfth. "
        "Numbers have gone up, so I need to change it from forty to fifty-two. And could you "
        "do mulled wine on the day as well?",
        "agent: Let me find the booking. Right, I've updated that to fifty-two.",
        "agent: The mulled wine I'm going to have to say no to. We're not licensed to serve "
        "alcohol, so we can't supply it.",
        "customer: Oh well, never mind. Thanks, bye.",
    )),
    "a service booked, a recall asked as a question and refused": ("partly_resolved", (
        "agent: Marsh Road Motors, service desk.",
        "customer: Hi. I need to book my car in for its service, it's due next week. And I've "
        "had a letter about a recall on the airbags, so can that be done at the same time?",
        "agent: Tuesday at half eight is free. I've booked that in for you.",
        "agent: The recall is done by the main dealer, I'm afraid, so I can't add that on here.",
        "customer: Okay. Bye.",
    )),
    "a discount applied, costs asked for and refused": ("partly_resolved", (
        "agent: Council tax, Martin speaking.",
        "customer: My partner moved out in February, so I should be getting the single person "
        "discount, and I'd like the seventy pounds of court costs taken off.",
        "agent: I've applied the twenty-five percent discount from the fourteenth of February.",
        "agent: The seventy pounds of costs I can't take off, they were added with the summons.",
        "customer: Right. Bye.",
    )),
    "a car changed, a renewal price the agent cannot explain": ("partly_resolved", (
        "agent: Harbour Insurance, Gareth speaking.",
        "customer: I need to put my new car on my policy, and my renewal came through two "
        "hundred pounds higher and I want to know why.",
        "agent: That's done, the policy's been updated to the Focus from today.",
        "customer: Great. And the renewal?",
        "agent: So the renewal's from the pricing system. I can't see how it's worked out, "
        "I'm afraid, I can only see the final figure.",
        "customer: Right. No, that's it, thanks.",
    )),
    "three things announced in run-on speech": ("partly_resolved", (
        "agent: soundforge studios jay",
        "customer: oh hi jay we recorded with you in march um three things really we want to "
        "book the live room again for the seventeenth i never got the invoice for the march "
        "sessions and dan said we'd get ten percent off if we booked three more days",
        "agent: okay live room for the seventeenth i've put you in",
        "customer: great and the invoice",
        "agent: right i've sent the march invoice to your email again just now",
        "customer: brilliant and what about the ten percent",
        "agent: i don't really know anything about that dan does the deals i'll mention it to him",
        "customer: right okay bye",
    )),
    "a freeze asked with 'can I', refused, and a cancellation offered": ("unresolved", (
        "agent: Good morning, Crux Climbing, Hannah speaking.",
        "customer: Hi. I've broken my wrist, so I won't be climbing for eight weeks. Can I "
        "freeze my membership while it heals?",
        "agent: I'm sorry to hear that. Freezes are only available on the annual membership, so "
        "I can't freeze the monthly plan.",
        "customer: Oh, okay. So what can I do, then?",
        "agent: What I can do is cancel the monthly plan today with no notice fee.",
        "customer: I'd rather not cancel today. Thanks, bye.",
    )),
    "a venue changed, the sax players already booked": ("partly_resolved", (
        "agent: Spinline DJ Agency, Jo speaking.",
        "customer: We've had to change venue for the wedding on the ninth, so I need the "
        "booking updated. And while I'm on, could we add a sax player for the evening too?",
        "agent: Great, I've updated the booking with the new venue.",
        "customer: And the sax player?",
        "agent: I'm really sorry, both of our sax players are already booked on the ninth.",
        "agent: Our sister agency's number is on the website.",
        "customer: Okay. Thanks, bye.",
    )),
    "a bin reported, a renewal that does not open yet": ("partly_resolved", (
        "agent: Hartwell Council, Amy speaking.",
        "customer: My recycling wasn't collected on Tuesday.",
        "agent: I'm sorry. I've logged it as a missed collection and they'll come back by Friday.",
        "customer: Good. The other thing is the garden waste. I want to renew it now.",
        "agent: Renewals for next year don't open until the fifth of January, I'm afraid.",
        "customer: Oh. No, that's all.",
    )),
    "already booked in, good news": ("resolved", (
        "agent: Kingsway Motors, Dave speaking.",
        "customer: Can you check my MOT is booked for Friday?",
        "agent: Sorry for the wait. Yes, you're already booked in for Friday at nine.",
        "customer: Great, thanks, bye.",
    )),
    "none in stock, a plea for help, and a sale suggested": ("unresolved", (
        "agent: hello uniform express this is jo how can i help",
        "customer: oh hi um i'm hoping you can help my son's starting school on monday and i "
        "need to get him a blazer age nine to ten can i order one to collect this week",
        "agent: okay bear with me while i check the shop and the warehouse",
        "agent: thanks for waiting so i'm really sorry we've got none in nine to ten at all",
        "customer: oh no is there anything else i can do though",
        "agent: the pta run a second hand uniform sale at the school on friday mornings",
        "customer: okay i'll try that thanks bye",
    )),
    "an a-board on the order, a proof refused": ("partly_resolved", (
        "agent: signcraft good morning kev speaking",
        "customer: hi kev i need another a board same as the last one ours got nicked",
        "agent: no problem right that's on the order then",
        "customer: great and the other thing is can you send me the proof for the fascia today",
        "agent: i'm afraid i can't send it today dean's off",
        "customer: okay bye",
    )),
    "an order put through in so many words": ("resolved", (
        "agent: Good afternoon, Stitchline Embroidery.",
        "customer: I'd like to order some more training tops, the same as last season.",
        "agent: Of course. Twenty-two in medium and eight in large, navy.",
        "customer: That's right.",
        "agent: Great. I've put the order through.",
        "customer: Perfect, thanks, bye.",
    )),
    "an account closed, a yes-or-no question about money back left without a yes or no": (
        "partly_resolved", (
        "agent: Westbrook Council, council tax, Leon speaking.",
        "customer: I'm moving out at the end of the month and I need to close my council tax "
        "account. And I also wanted to ask, I've paid the whole year up front, so do I get some "
        "of that back?",
        "agent: Right, that's done. The account's closed from the thirtieth.",
        "customer: Okay. And the money back, is that automatic?",
        "agent: The final bill will show everything that's been charged up to the thirtieth.",
        "customer: Um, no, I don't think so. Bye.",
    )),
    "a side step done, then the one thing asked refused": ("unresolved", (
        "agent: Thanks for calling Northway Rail, this is Priya. How can I help?",
        "customer: Hi, I'd like a refund on my ticket to Leeds, the train was cancelled and I "
        "drove instead.",
        "agent: I'm sorry about that. Let me pull up the booking. Can I have the booking "
        "reference?",
        "customer: It's KT4491.",
        "agent: Thanks. I've updated your email address on the booking since the old one was "
        "bouncing. I'm afraid we can't refund this ticket, it was an advance fare and you "
        "didn't claim within the twenty-eight days.",
        "customer: Oh. That's annoying.",
        "agent: I understand. Is there anything else I can help with today?",
        "customer: No, that's it.",
        "agent: Thanks for calling Northway Rail. Goodbye.",
    )),
    "good news: no charges on the account": ("resolved", (
        "agent: hi you're through to aqua water it's beth how can i help",
        "customer: hi um i'm moving out on friday are there any outstanding charges on my account",
        "agent: let me have a look um no so we've got none on the account at all you're "
        "completely clear",
        "customer: oh great thanks",
        "agent: anything else",
        "customer: no that's it",
        "agent: bye",
    )),
    "a refund passed to the returns team to decide": ("unresolved", (
        "agent: Good afternoon, Stylehouse, Rachel speaking.",
        "customer: Hi, I'd like a refund for a coat that came with a broken zip.",
        "agent: I'm sorry about that. I've put your request through to the returns team and "
        "they'll decide whether it qualifies.",
        "customer: Okay, and how long does that take?",
        "agent: I couldn't say, it depends how busy they are.",
        "customer: Right. Okay.",
        "agent: Anything else?",
        "customer: No.",
        "agent: Bye.",
    )),
    "'I can't see how you'd be charged twice' is reassurance": ("resolved", (
        "agent: Thanks for calling Apex Bank, this is Mia.",
        "customer: Hi, there's a payment to Netflix twice this month, have I been charged twice?",
        "agent: Let me check. No, I can't see how you'd be charged twice, the second one's just"
        " a pending authorisation and it'll drop off by tomorrow.",
        "customer: Oh okay, that's a relief.",
        "agent: Anything else?",
        "customer: No, thanks.",
        "agent: Bye.",
    )),
    "a note logged, then the order cancelled in the same breath": ("resolved", (
        "agent: Thanks for calling Cedar Furniture, this is Hannah.",
        "customer: Hi, I'd like to cancel my order for the oak table please.",
        "agent: Of course. I've logged the cancellation reason on your account. That's all done"
        " now, the order's cancelled and you'll get the refund in three days.",
        "customer: Great, thanks.",
        "agent: Anything else?",
        "customer: No.",
        "agent: Bye.",
    )),
    "'No, I'm afraid not.' refuses": ("unresolved", (
        "agent: Thanks for calling Skyway Airlines, this is Greg.",
        "customer: Hi, I was charged for my bag at the airport but I thought it was included.",
        "agent: You probably should have read the fare rules, it says cabin bag only. It was "
        "all there if you'd looked.",
        "customer: Right. Can I get the charge back?",
        "agent: No, I'm afraid not.",
        "customer: Okay.",
        "agent: Bye.",
    )),
    "boots ready, a re-sole left to a look": ("partly_resolved", (
        "agent: Heel Bar, Sam speaking.",
        "customer: I've got a ticket for a pair of boots, and I'd like to check they're ready.",
        "agent: Boots, new heels. They're ready.",
        "customer: Great. And the other thing, you re-soled my shoes last month and the sole's "
        "already coming away. Can you redo them for free?",
        "agent: Without the ticket I can't look it up. Bring them in and we'll have a look.",
        "customer: Okay. Bye.",
    )),
    "a bike added, then another matter opened and its question put off": ("partly_resolved", (
        "agent: harbourline insurance priya speaking",
        "customer: i want to add my new electric bike to my home insurance",
        "agent: that's been added now and you'll get the updated schedule by email",
        "customer: great oh and while i've got you my son's just gone off to uni. he's taken "
        "his laptop with him is that covered on ours",
        "agent: ooh good question it depends on the policy type i'll have to check that one",
        "customer: okay no that's it thanks bye",
    )),
    "a fact told before the one thing asked is refused": ("unresolved", (
        "agent: Laptop repairs, Sam speaking.",
        "customer: You repaired my laptop last month and now the fan is grinding. I'd like it "
        "fixed under the repair warranty.",
        "agent: So we replaced the screen on the fourth of last month.",
        "agent: I'm afraid the fan isn't something the warranty would cover, so we can't fix "
        "it for free.",
        "customer: Fine. Bye.",
    )),
    "a table booked out, asked in one turn with a question answered": ("partly_resolved", (
        "agent: Cue Club, Ryan speaking.",
        "customer: Hi. I'd like to book a snooker table for Friday at seven. And while I've got "
        "you, can you tell me when my membership runs out?",
        "agent: Let me look at Friday. I'm afraid the tables are all booked from seven on Friday.",
        "customer: Oh no. And the membership?",
        "agent: Okay, your membership runs out on the thirtieth of this month, and it's set to "
        "renew on your card.",
        "customer: Okay, thanks. Bye.",
    )),
    "a yes/no question asked again and answered beside the point": ("partly_resolved", (
        "agent: Keynote Music, Harriet speaking.",
        "customer: Hi. I wanted to book a trial piano lesson for my son. And also, do your "
        "teachers do home visits?",
        "agent: Of course. I've got Thursday at five, I'll pop him in for that.",
        "customer: Perfect. So is that a no on home visits, then?",
        "agent: Most of our families come to the studio and it works really well.",
        "agent: Right, he's all booked in for Thursday.",
        "customer: Lovely. And how much are the lessons after that?",
        "agent: Sixteen pounds for half an hour.",
        "customer: No, that's everything. Bye.",
    )),
    "a deposit refund refused as a rule": ("unresolved", (
        "agent: comic corner",
        "customer: hi i reserved the variant cover with a deposit and it wasn't in my box",
        "agent: nah they're allocated you can't reorder them",
        "customer: well can i have my deposit back then",
        "agent: we don't do refunds on deposits",
        "customer: can i at least speak to the owner",
        "agent: he's not in till thursday",
        "customer: right bye",
    )),
    "a course booked, a credit against it refused": ("partly_resolved", (
        "agent: clay and canvas jo speaking",
        "customer: hi i'd like to book my daughter onto the saturday clay course and um we've "
        "also got a credit from april so can we put that towards it",
        "agent: right that's gone through she's booked in from the fourth",
        "agent: i can't put credits against courses on the phone",
        "customer: okay bye",
    )),
    "a consultation booked, the deposit question dodged": ("partly_resolved", (
        "agent: blue ink studio",
        "customer: hi i wanted to book a consultation with sam and um also how does the deposit "
        "work like do i get it back if i have to cancel",
        "agent: that's you booked in with sam on saturday at two",
        "customer: great and the deposit",
        "agent: honestly hardly anyone cancels once they've met her",
        "customer: okay bye",
    )),
    "put straight through to the events coordinator": ("transferred", (
        "agent: Copper Kettle Tea Room, Hannah speaking.",
        "customer: Hi, I'd like to book afternoon tea for a hen party of fourteen on Saturday.",
        "agent: Groups of more than twelve are booked by our events coordinator, Sophie. I can "
        "put you straight through to her now. Would that be okay?",
        "customer: Yes, please.",
        "agent: Thanks for holding. I've got Sophie on the line now.",
        "customer: Hello, Sophie.",
        "agent: Sophie will take it from here. Enjoy the hen do, bye for now.",
    )),
    "a question that opens the next request is not left open on the first": ("resolved", (
        "agent: Helen Marsh Voice Studio, Helen speaking.",
        "customer: Hi, Helen. Could I move next week's lesson to Thursday instead?",
        "agent: Of course. So that's Thursday the ninth at seven. Done, I've moved you.",
        "customer: Thank you. And, um, I've been thinking about doing my Grade Five singing "
        "exam. Is that silly at my age? Would you help me prepare for it?",
        "agent: Not silly at all! Yes, I'd love to help you prepare, we'll start next week.",
        "customer: Lovely. Bye, Helen.",
    )),
}  # fmt: skip


@pytest.fixture(scope="module")
def analyzer_contexts():
    from callqa.qa_rules.analysis import load_analyzer
    from callqa.qa_rules.context import build_contexts

    analyzer = load_analyzer()

    def contexts(*calls):
        transcripts = [
            make_transcript(*lines, call_id=f"call-{n}") for n, lines in enumerate(calls)
        ]
        return build_contexts(transcripts, analyzer.encoder, analyzer.nlp, analyzer.heads,
                              analyzer.prototypes)  # fmt: skip

    return contexts


@pytest.fixture(scope="module")
def structures():
    from callqa.qa_rules.analysis import load_analyzer
    from callqa.qa_rules.context import build_contexts

    analyzer = load_analyzer()
    transcripts = [make_transcript(*lines, call_id=name.replace(" ", "-"))
                   for name, (_, lines) in CALLS.items()]  # fmt: skip
    contexts = build_contexts(transcripts, analyzer.encoder, analyzer.nlp, analyzer.heads,
                              analyzer.prototypes)  # fmt: skip
    return dict(zip(CALLS, contexts, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("name", CALLS)
def test_outcomes_come_from_the_calls_structure(structures, name):
    expected, _ = CALLS[name]
    ctx = structures[name]
    assert ctx.structure.outcome == expected, [
        (r.statement, r.outcome, r.evidence) for r in ctx.structure.requests
    ]
    assert ctx.structure.evidence is not None


@pytest.mark.slow
def test_a_matter_announced_as_another_is_its_own_request_before_the_first_is_answered(
    structures,
):
    requests = structures["another matter announced"].structure.requests
    assert [r.statement for r in requests] == [1, 5]


@pytest.mark.slow
def test_a_request_is_quoted_from_what_it_asks_not_from_who_calls_or_how_many(analyzer_contexts):
    announced, named, really = analyzer_contexts(
        ("agent: Lingua Bridge, Marco speaking.",
         "customer: Hi, Marco. Two things, please. I'd like to move to the Saturday class. And "
         "I need a letter for my employer."),
        ("agent: morning swiftspoke couriers dev speaking",
         "customer: hi dev it's [ORGANISATION]. i need a pickup today from our office"),
        ("agent: Meridian Hotel, Priya speaking.",
         "customer: Hi, Priya. I've got two things, really. I'd like to book a table for "
         "Saturday. And the points from my stay in August never went on my card."),
    )  # fmt: skip
    for ctx, words in ((announced, "Saturday class"), (named, "pickup today"),
                       (really, "book a table")):  # fmt: skip
        first = ctx.structure.requests[0].statement
        assert words in ctx.sentences[first].text


@pytest.mark.slow
def test_a_want_said_again_mid_call_is_the_same_request_unless_it_adds_one(analyzer_contexts):
    opening = (
        "agent: Oakhaus Furniture, Jade speaking.",
        "customer: Two of the dining chairs that came on Tuesday are split. Can you replace them?",
        "agent: I'm sorry. I've ordered two replacements, they'll come on the twelfth.",
    )
    pushed, added = analyzer_contexts(
        (*opening, "customer: so i was hoping to have them all out by the tenth for a party",
         "agent: The twelfth is the earliest, I'm afraid.", "customer: Okay. Bye."),
        (*opening, "customer: Great. And I'd also like to order a matching table.",
         "agent: Of course, I've added the table to the order.", "customer: Thanks. Bye."),
    )  # fmt: skip
    assert len(pushed.structure.requests) == 1
    assert len(added.structure.requests) == 2


@pytest.mark.slow
@pytest.mark.parametrize(
    ("opening", "count"),
    [
        ("Hi, I lost my credit card yesterday and I need a new one sent out.", 1),
        ("I need to pay my builder today, it's twelve thousand pounds, and the app won't let "
         "me. It says I've gone over my daily limit. Can you put the limit up for me?", 1),
        ("I need a reprint of our loyalty cards, the same as last time, and could you resend "
         "me the invoice from the last order?", 2),
        ("I've got two things, really. I'd like to book a table for Saturday, and I stayed "
         "with you in August and the points from that stay never went on my card.", 2),
        ("i wanted to book a consultation with sam and um also how does the deposit work like "
         "do i get it back if i cancel", 2),
        ("i'd like to book my daughter onto the clay course and um we've also got a credit "
         "from april so can we put that towards it", 2),
    ],
)  # fmt: skip
def test_one_turn_holds_as_many_requests_as_it_asks(analyzer_contexts, opening, count):
    (ctx,) = analyzer_contexts(
        ("agent: Good morning, how can I help?", f"customer: {opening}",
         "agent: I can help with that.", "customer: Thanks, bye.")
    )  # fmt: skip
    assert len(ctx.structure.requests) == count


@pytest.mark.parametrize(
    ("text", "put_off"),
    [
        ("the engineer will go through all that with you on the day", True),
        ("Yes, he'll go through all that with you on the day, and he'll leave the manual.", False),
        ("We'll look into it.", True),
        ("We'll look into it and ring you by Friday.", False),
        ("It'll be picked up once the warehouse has had a look.", True),
        ("It'll be picked up by the courier tomorrow.", False),
        ("They come from the lab, so I'll chase them up and get them sent over.", True),
        ("It'll be picked up on the ninth of May between eight and one.", False),
        ("We'll look into it first thing tomorrow.", False),
    ],
)
def test_a_put_off_names_no_time_and_is_no_yes(text, put_off):
    from callqa.qa_rules.structure import puts_off

    assert puts_off(text) is put_off


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Nah, you can't book that online, I'm afraid.", "refusal"),
        ("No, you can't miss it, it's right by the door.", None),
        ("I'll transfer you over to the billing team.", "handover"),
        ("I'll transfer you over to the Saver plan, it's cheaper.", None),
        ("I've got Sophie Turner on the line for you.", "handover"),
        ("I'll chase them up today and get back to you by Friday.", "handover"),
    ],
)
def test_what_the_words_alone_make_a_refusal_or_a_handover(text, said):
    from callqa.qa_rules.structure import agent

    unmoved = agent.MOVED_TO_PRODUCT.sub(" ", text)
    handover = agent.HANDED_ON.search(unmoved) or agent.CALLBACK_PROMISE.search(unmoved)
    found = "refusal" if agent.REFUSAL.search(text) else "handover" if handover else None
    assert found == said


@pytest.mark.slow
def test_each_request_is_found_with_its_first_response(structures):
    requests = structures["two requests"].structure.requests
    assert [r.statement for r in requests] == [1, 5]  # sentence indexes ("Thanks." is 4)
    assert all(r.outcome == "resolved" and r.first_response is not None for r in requests)


@pytest.mark.parametrize(
    ("customer", "agent", "expected"),
    [
        ("i want to send two hundred and fifty dollars", "so that's two hundred and fifteen "
         "dollars, correct?", [("amount", "", "215.0")]),
        ("can we make it three thirty p m", "okay, two thirty pm it is", [("time", "", "2:30p")]),
        ("on the fifteenth please", "so on the fifth then", [("day", "", "5")]),
        ("i need two cards", "three cards, is that right?", [("count", "card", "3")]),
        ("a hundred and one dollars", "just to confirm, a hundred dollars",
         [("amount", "", "100.0")]),
        ("it was $45.50", "forty five dollars fifty", []),
        ("three thirty", "three thirty pm", []),
        ("It's on Sunday, from two until four.", "So that's Sunday, three till five.",
         [("hours", "", "3:00-5:00")]),
        ("ten till twelve, please", "so that's ten till twelve", []),
        ("it needs to be six hundred and ninety-five", "so six hundred and ninety pounds",
         [("amount", "", "690.0")]),  # the customer named no currency
        ("on the twentieth", "and the first line of the address", []),  # not a day
        ("could it be the twenty eighth", "the twenty eighth instead of the first", []),
        ("the fee was twelve dollars", "twelve dollars, and two cards", []),
        ("a twenty three kilo bag", "that's thirty two pounds each way", []),  # a weight
        ("on the twelfth", "and a second driver, is that right?", []),  # not a day
        ("the big one, twenty-three", "so that's fifty-six pounds", []),  # a weight, no amount
        ("the seventeen forty two from leeds", "so the seventeen twenty four, is that right?",
         [("time", "", "5:24p")]),  # a 24-hour time
        ("we get the keys on the [ADDRESS]-eighth", "moving on the twenty-eighth", []),  # redacted
        ("half past two in the afternoon", "two thirty pm, is that right?", []),
        ("at quarter to five", "so that's at four fifteen", [("time", "", "4:15")]),
        ("the eight thirty sailing in the morning", "the eighteen thirty sailing",
         [("time", "", "6:30p")]),
        ("half two", "so that's two thirty pm", []),
        ("at 09:45", "at quarter to ten", []),  # the same time said two ways
        ("it's the second claim they've knocked back", "that's the third", []),  # not a day
        ("it's ninety-four for the evening now", "and I'll put ninety down for the evening",
         [("count", "evening", "90")]),  # a number for something, no unit
        ("seventy for the day", "so seventy for the day", []),
        ("the twelfth", "let's get your numbers in first, then the tasting", []),  # no day
        ("quarter past ten's better", "right, so that's quarter past eleven",
         [("time", "", "11:15")]),  # "ten's": the number is read
        ("at 10.30 am", "so that's half past ten", []),  # a British written time
        ("at 10.30 am", "so that's 11:30 am", [("time", "", "11:30a")]),
    ],
)  # fmt: skip
def test_read_back_details_are_compared_in_spoken_and_written_forms(customer, agent, expected):
    found = mismatches(details(agent), with_bare_amounts(details(customer), customer))
    assert [read for read, _ in found] == expected


def test_values_a_customer_asks_about_are_not_details_they_gave():
    from callqa.qa_rules.behaviours.comprehension import _given

    assert _given("sorry is it twenty three kilos or twenty i'm a bit nervous") == set()
    assert _given("I paid forty five pounds, is that right") == {("amount", "", "45.0")}
    assert _given("afternoon, around 3:45 pm is good") == set()  # not ":45 pm", 9 pm


@pytest.mark.parametrize(
    ("reply", "cannot"),
    [
        ("I'm not sure, I'd have to ask.", True),
        ("I can't say exactly, sorry.", True),
        ("For a one-day event they won't need it, the tanks hold plenty.", False),
        ("No, it won't affect your credit score at all.", False),
    ],
)
def test_a_no_put_as_wont_need_answers_the_question(reply, cannot):
    from callqa.qa_rules.structure.answers import _cannot_say

    assert _cannot_say(reply) is cannot
