"""The word lists behind the writing coach (`insights.coach`), kept apart from its logic.

Hand-curated. The communal and agentic lists follow the adjective lists used in studies of
letters of recommendation (Madera, Hebl & Martin 2009; Wan et al. 2023, "Kelly is a Warm
Person, Joseph is a Role Model"), checked against the *training* split of
`../shared/data/language/` only; `bench/coach.py` measures them on the held-out split. No
dataset text is shipped.

Multi-word phrases are written with hyphens: `insights.coach` joins them before matching.
"""

from __future__ import annotations


def word_set(words: str) -> frozenset[str]:
    """The words of a whitespace-separated list."""
    return frozenset(words.split())


PHRASES = (
    "thank you",
    "thanks you",
    "easy to work with",
    "a pleasure to work with",
    "a joy to work with",
    "a delight to work with",
    "team player",
    "people person",
    "role model",
    "rock star",
    "well liked",
    "hard working",
    "above and beyond",
    "drama queen",
    "ice queen",
    "high maintenance",
    "ray of sunshine",
    "kind of",
    "sort of",
    "man up",
    "grow a pair",
    "like a girl",
    "mother hen",
    "girl boss",
    "woman's touch",
    "feminine touch",
    "female intuition",
    "boys will be boys",
)

# Words that carry no information on their own: function words and contraction tails.
STOP = word_set(
    """a an the and or but so to of in on at for with from by as into onto about over after
    before than then too very really just also even still again ever always never only quite
    rather pretty bit lot lots much many more most some any all every each both either this that
    these those there here it its i me my mine we us our ours you your yours u ur he him his she
    her hers they them their theirs who whom whose what which when where while why how is are
    was were be been being am do does did done doing have has had having will would shall should
    can could may might must s re ve ll d m t don didn doesn isn wasn aren weren won wouldn
    couldn shouldn haven hasn hadn not no nor if because since until yet one ones own same such
    other another way get gets got getting make makes made making let lets go going went gone
    like well oh wow yay hey hi hello dear"""
)

# Evaluation words and stock objects: a text made only of these (and STOP) says nothing specific.
GENERIC = word_set(
    """thank-you thanks-you good great awesome amazing nice excellent fantastic wonderful super
    superb brilliant cool best better fine ok okay incredible outstanding stellar terrific
    perfect solid fabulous
    phenomenal impressive remarkable tremendous exceptional spectacular marvelous marvellous
    magnificent splendid sensational epic legendary top notch class world-class first-class
    bad poor worst worse terrible awful horrible average decent satisfactory mediocre gud gr8
    overall job jobs work works working worked effort efforts contribution contributions
    help helping helped helps helpful support supporting supported supportive stuff thing things
    everything anything nothing something everyone everybody anyone someone nobody none nil na
    place company organisation organization org firm experience experiences time times day days
    today week weeks month months year years lately recently yesterday usual thanks thank thx ty
    tysm kudos congrats congratulations cheers shoutout shout-out shout props appreciate
    appreciated appreciation grateful gratitude love loved lovely enjoy enjoyed happy glad proud
    keep kept up hard hardwork hard-work hard-working teamwork team teams guys folks y'all all
    truly totally absolutely extremely highly incredibly seriously genuinely honestly definitely
    simply literally super-duper massively hugely big huge real true whole entire full
    above-and-beyond beyond above extra mile step stepping stepped role part being there
    crushing crushed crush killing killed kill nailing nailed nail smashing smashed rock rocks
    rocked rocking owning owned slaying slayed
    comment comments say said specific particular mention nothing-much yes yeah yep sure
    project projects task tasks dedication commitment attitude energy passion leadership
    always-there continued continue keep-it-up again usual as-usual now far currently till
    present moment side basically actually practically generally like likes liked dislike
    dislikes disliked positive positives negative negatives pros cons prefer answer share think
    dream"""
)

# Character traits: describing who someone is, not what they did.
TRAITS = word_set(
    """nice nicest kind kindest kind-hearted sweet sweetest friendly funny hilarious smart
    smartest clever intelligent brilliant genius talented gifted humble patient positive
    cheerful charming pleasant polite caring warm generous thoughtful considerate easygoing
    easy-going chill fun calm confident passionate hardworking hard-working loyal honest
    genuine sincere empathetic compassionate nurturing bubbly energetic enthusiastic optimistic
    inspiring inspirational motivated driven ambitious curious witty delightful lovely beautiful
    pretty gorgeous handsome cute adorable congenial conscientious gentle affectionate devoted
    dedicated beloved well-liked easy-to-work-with a-pleasure-to-work-with a-joy-to-work-with
    a-delight-to-work-with rude arrogant lazy selfish stubborn annoying careless negative toxic
    mean cold weird awkward clueless incompetent dumb stupid useless unprofessional grumpy
    boring shy timid quiet introverted loud sloppy egoistic egotistical narrow-minded
    closed-minded immature insecure defensive disorganized disorganised unreliable jolly
    rockstar rock-star superstar star legend hero ninja wizard unicorn gem treasure delight
    joy pleasure angel sweetheart champ natural ray-of-sunshine sunshine team-player
    people-person role-model"""
)

# Praise that names a trait only when it is about the person ("you're the best", "great guy").
PRAISE = word_set("great awesome amazing wonderful fantastic best good incredible cool")

# Traits that are also said of things ("a nice office", "Pricing is aggressive"): these need a
# pronoun or a person noun as their subject, a capitalised word is not enough.
AMBIGUOUS = word_set(
    """nice lovely fun cool positive calm warm sweet pretty beautiful natural quiet loud negative
    cold boring weird awkward friendly pleasant useless toxic difficult confident passionate
    gentle energetic honest genuine delightful inspiring star hero gem joy pleasure delight
    aggressive emotional dramatic moody perky sassy strident temperamental"""
)

# Nouns for a person or their character: "nice guy", "great attitude".
PERSON_NOUNS = word_set(
    """person persons guy guys girl gal woman man lady human human-being soul individual people
    folks colleague colleagues teammate teammates coworker coworkers co-worker co-workers
    manager boss lead leader engineer developer dev designer member friend mentor"""
)
IDENTITY_NOUNS = word_set(
    """person guy girl gal human human-being soul personality attitude energy vibe vibes spirit
    character heart"""
)
# After "your/her/his/their", these name a trait: "your positivity", "her kindness".
TRAIT_POSSESSIONS = word_set(
    """personality attitude energy vibe vibes spirit nature demeanor demeanour kindness warmth
    positivity smile humor humour charm enthusiasm character heart patience"""
)

# Words that come with trait talk and say nothing about the work itself.
PERSON_CONTEXT = word_set(
    """colleagues colleague others everyone people peers team teammates students patients clients
    customers relationships relationship communication skills skill approach nature
    personality demeanor demeanour reputation respected regarded admired admiration respect
    manner touch presence interactions known liked family friends husband wife father mother
    parent parents children kids spouse member community alike highly widely deeply truly makes
    made earned earning earns enable enables"""
)

# Who a sentence is about, and the little words between them and a trait ("she is so …").
SUBJECTS = word_set("you u she he they being @someone")
FILLER = word_set(
    """is are was were am be been being seems seem seemed looks look looked sounds sound sounded
    gets get got acts act acted comes come came across as can could has have always just really
    truly so very such a an the one of most absolutely incredibly super genuinely totally too
    overly quite bit little kind-of sort-of extremely pretty rather real true amazingly insanely
    ridiculously consistently unbelievably literally honestly definitely simply and"""
)

# Words used far more often about women, mostly to judge style rather than work, with a
# neutral, behaviour-based way to say what was meant.
CODED = {
    "abrasive": "“direct”, or quote what they said",
    "bossy": "“directive”, or “took charge of …”",
    "aggressive": "“assertive”, or “pushed hard for …”",
    "emotional": "what they were concerned about, and why",
    "shrill": "what they said, not how it sounded",
    "feisty": "“persistent” or “determined”",
    "pushy": "“persistent”, or what they asked for",
    "hysterical": "what happened and its effect on the work",
    "overemotional": "what they were concerned about, and why",
    "hormonal": "what happened and its effect on the work",
    "catty": "the specific remark and its effect",
    "bitchy": "the specific remark and its effect",
    "sassy": "“candid”, or what they said",
    "nagging": "“followed up several times on …”",
    "naggy": "“followed up several times on …”",
    "moody": "the specific behaviour, and when",
    "dramatic": "what happened and its effect on the work",
    "diva": "the specific request or behaviour",
    "drama-queen": "what happened and its effect on the work",
    "ice-queen": "the specific behaviour, and when",
    "high-maintenance": "the specific request or behaviour",
    "strident": "“firm”, or what they argued for",
    "temperamental": "the specific behaviour, and when",
    "ditzy": "the specific mistake and its effect",
    "perky": "“energetic”, or what they did",
    "spunky": "“determined”, or what they did",
}
# Agentic words that are criticised in women when "too …" ("too assertive", "overly ambitious").
DOUBLE_BIND = word_set(
    "assertive ambitious confident direct outspoken opinionated blunt competitive"
)
# Phrases that make gender the point.
GENDER_PHRASES = word_set(
    """man-up grow-a-pair like-a-girl mother-hen girl-boss girlboss woman's-touch feminine-touch
    female-intuition boys-will-be-boys motherly maternal fatherly ladylike"""
)
GENDER_NOUNS = word_set("woman girl lady female mom mum mother")
OFFICE_ROLES = word_set("mom mum dad mother wife husband")
WORK_ROLES = word_set(
    """engineer engineers developer developers dev devs manager managers leader leaders lead
    boss coder programmer scientist doctor colleague founder executive exec designer analyst
    architect cto ceo vp pilot surgeon"""
)

# How a trait or a coded word is tied to a person, and what turns it into something else.
POSSESSIVES = frozenset({"your", "her", "his", "their", "ur"})
STYLE_NOUNS = word_set(
    """tone manner style attitude approach communication behaviour behavior voice email emails
    message messages delivery reaction response feedback comments"""
)
# A trait followed by these is a skill or a situation ("great at SQL", "calm during the outage").
QUALIFIERS = frozenset({"at", "when", "while", "during", "in", "with", "on", "under", "about"})
# Only ever said of people: a trait wherever they appear.
PEOPLE_ONLY_TRAITS = word_set(
    """rockstar rock-star superstar legend sweetheart team-player people-person role-model
    ray-of-sunshine well-liked easy-to-work-with a-pleasure-to-work-with a-joy-to-work-with
    a-delight-to-work-with kind-hearted"""
)
MANNER = TRAIT_POSSESSIONS | {"approach", "manner", "touch", "way", "presence"}
GENERIC_NOUNS = word_set(
    """job jobs work works stuff effort efforts contribution contributions experience place
    company project projects task tasks team teamwork help support"""
)
GENDERED_ADJECTIVES = word_set("female male woman women lady girl")
GIRLS = word_set("girls gals ladies")  # "the girls in finance"
PLACES = word_set("in on from at of")

# Communal and agentic language (see the module docstring for sources).
COMMUNAL = word_set(
    """warm warmth kind kindness caring compassionate compassion nurturing empathetic empathy
    gentle thoughtful sweet pleasant agreeable congenial delightful considerate affectionate
    sympathetic selfless devoted polite cheerful well-liked easy-to-work-with team-player
    a-pleasure-to-work-with a-joy-to-work-with a-delight-to-work-with lovely friendly
    kind-hearted"""
)
AGENTIC = word_set(
    """confident ambitious assertive decisive independent accomplished exceptional outstanding
    leader leadership led lead leads drove drives driven owned owns ownership initiative expert
    expertise skilled talented brilliant intelligent analytical strategic efficient
    problem-solver problem-solving achieved achievement achievements results delivered shipped
    built launched designed decided influential innovative visionary competent capable
    rising-star superior"""
)
