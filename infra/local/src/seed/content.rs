//! Text for `local seed-dev`: chat titles, messages and answers, knowledge, memories and
//! prototype pages, generated from a fixed seed so every run writes the same kind of
//! account. Lengths are varied the way real chats vary: mostly short questions, some
//! pasted code or text; answers from a sentence to several screens with lists and code.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::Rng;

/// What a chat is about: a subject, words that come up in it, and, for technical
/// subjects, the language its code is in.
#[derive(Clone, Copy, Debug)]
pub struct Topic {
    pub subject: &'static str,
    pub words: [&'static str; 4],
    pub lang: Option<&'static str>,
}

const fn code(subject: &'static str, words: [&'static str; 4], lang: &'static str) -> Topic {
    Topic { subject, words, lang: Some(lang) }
}

const fn prose(subject: &'static str, words: [&'static str; 4]) -> Topic {
    Topic { subject, words, lang: None }
}

pub const TOPICS: &[Topic] = &[
    code("Rust lifetimes", ["borrow checker", "references", "structs holding slices", "the 'static bound"], "rust"),
    code("async Rust with Tokio", ["tasks", "cancellation", "select!", "blocking calls"], "rust"),
    code("Postgres query performance", ["indexes", "EXPLAIN ANALYZE", "vacuum", "connection pooling"], "sql"),
    code("React state management", ["useReducer", "context", "re-renders", "server state"], "tsx"),
    code("pandas data cleaning", ["missing values", "dtypes", "groupby", "merging frames"], "python"),
    code("Kubernetes deployments", ["readiness probes", "rolling updates", "resource limits", "ConfigMaps"], "yaml"),
    code("Terraform modules", ["state files", "variables", "workspaces", "provider versions"], "hcl"),
    code("Go error handling", ["wrapped errors", "sentinel errors", "panics", "errgroup"], "go"),
    code("CSS grid layouts", ["grid areas", "minmax", "responsive columns", "subgrid"], "css"),
    code("bash scripting", ["set -euo pipefail", "quoting", "traps", "arrays"], "bash"),
    code("DynamoDB single-table design", ["partition keys", "GSIs", "hot partitions", "transactions"], "json"),
    code("TypeScript generics", ["type inference", "constraints", "conditional types", "mapped types"], "typescript"),
    code("unit testing strategies", ["fixtures", "mocks", "property tests", "flaky tests"], "python"),
    code(
        "Docker image size",
        ["multi-stage builds", "layer caching", "distroless images", "build context"],
        "dockerfile",
    ),
    code("GraphQL schema design", ["resolvers", "pagination", "N+1 queries", "nullability"], "graphql"),
    code("Swift concurrency", ["actors", "async let", "MainActor", "task groups"], "swift"),
    code("regular expressions", ["lookaheads", "capture groups", "greedy matching", "Unicode classes"], "python"),
    code("Git history cleanup", ["interactive rebase", "fixup commits", "force pushes", "bisect"], "bash"),
    prose("a trip to Lisbon", ["neighbourhoods", "day trips", "trams", "restaurants"]),
    prose("marathon training", ["long runs", "tapering", "pacing", "recovery weeks"]),
    prose("sourdough baking", ["the starter", "hydration", "bulk fermentation", "scoring"]),
    prose("negotiating a salary", ["the first offer", "market data", "equity", "timing"]),
    prose("a cover letter", ["the opening line", "relevant projects", "tone", "length"]),
    prose("learning Japanese", ["kanji", "spaced repetition", "listening practice", "particles"]),
    prose("a home office setup", ["monitor height", "lighting", "noise", "the chair"]),
    prose("quarterly OKRs", ["key results", "stretch goals", "alignment", "check-ins"]),
    prose("a product launch plan", ["the announcement", "beta users", "pricing", "the launch checklist"]),
    prose("buying a first flat", ["the mortgage", "surveys", "deposits", "running costs"]),
    prose("a wedding speech", ["the opening", "stories", "timing", "the toast"]),
    prose("balcony gardening", ["containers", "sunlight", "watering", "herbs"]),
    prose("team retrospectives", ["psychological safety", "action items", "formats", "facilitation"]),
    prose("a child's birthday party", ["games", "the guest list", "food", "the budget"]),
    prose("photography basics", ["aperture", "shutter speed", "composition", "light"]),
    prose("weekly meal prep", ["batch cooking", "storage", "protein", "shopping lists"]),
    prose("a job interview", ["behavioural questions", "the system design round", "questions to ask", "follow-up"]),
    prose("moving to Berlin", ["the Anmeldung", "flat hunting", "health insurance", "learning German"]),
    prose("a podcast episode", ["the outline", "guests", "audio quality", "show notes"]),
    prose("customer support replies", ["tone", "templates", "escalations", "refunds"]),
    prose("a grant proposal", ["the problem statement", "the budget", "impact", "the timeline"]),
    prose("a reading list", ["classics", "non-fiction", "short books", "book clubs"]),
];

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `template` with the topic's subject (`{t}`) and two different words of it (`{w}`, `{o}`).
fn fill(template: &str, topic: &Topic, rng: &mut StdRng) -> String {
    let w = rng.random_range(0..topic.words.len());
    let o = (w + rng.random_range(1..topic.words.len())) % topic.words.len();
    template.replace("{t}", topic.subject).replace("{w}", topic.words[w]).replace("{o}", topic.words[o])
}

pub fn topic(rng: &mut StdRng) -> Topic {
    *TOPICS.choose(rng).expect("topics")
}

const TITLES: &[&str] = &[
    "{T}",
    "Help with {t}",
    "Questions about {t}",
    "{T}: next steps",
    "Thinking through {t}",
    "Notes on {t}",
    "{T} and {w}",
    "Quick question on {w}",
    "Plan for {t}",
    "Ideas for {t}",
    "{W} in {t}",
    "Comparing options for {w}",
];

/// A chat title (as the titling worker or the user would give it).
pub fn title(topic: &Topic, rng: &mut StdRng) -> String {
    let template = TITLES.choose(rng).expect("titles");
    let word = topic.words.choose(rng).copied().unwrap_or(topic.subject);
    template
        .replace("{T}", &capitalised(topic.subject))
        .replace("{W}", &capitalised(word))
        .replace("{t}", topic.subject)
        .replace("{w}", word)
}

const OPENERS: &[&str] = &[
    "Can you help me with {t}?",
    "I'm working on {t} and I'm stuck on {w}.",
    "What's the best way to approach {w} when it comes to {t}?",
    "I keep going back and forth on {w}. What would you do?",
    "Could you give me a short overview of {t}, focusing on {w}?",
    "I need a plan for {t}. The part I know least about is {w}.",
];

const FOLLOW_UPS: &[&str] = &[
    "Thanks! How does {w} interact with {o}?",
    "That worked. Could you make it shorter?",
    "Can you explain the last part again, more simply?",
    "Give me three options and the trade-offs of each.",
    "What would you change if {o} mattered more than {w}?",
    "OK. What are the common mistakes with {w}?",
    "Makes sense. What should I do first?",
    "Could you turn that into a checklist?",
    "I tried that and it's still not right. Here's what happens now.",
    "Is there a simpler way?",
    "Why {w} and not {o}?",
    "Can you give a concrete example?",
];

const CONTEXT: &[&str] = &[
    "For context, this is for a small team and we don't have much time.",
    "I've read a couple of articles about {w} but they contradict each other.",
    "The constraint is that {o} can't change.",
    "Last time I tried, {w} turned into a mess.",
    "I'd like to understand it, not just get an answer.",
    "Ideally I'd have something working by the end of the week.",
    "My manager asked me to look into {o} as well.",
    "I'm fairly new to {t}.",
];

/// A user message: mostly a line or two, sometimes with context, now and then with a
/// pasted block of code or text.
pub fn user_message(topic: &Topic, first: bool, rng: &mut StdRng) -> String {
    let lead = if first { OPENERS } else { FOLLOW_UPS };
    let mut text = fill(lead.choose(rng).expect("templates"), topic, rng);
    let roll: f64 = rng.random();
    if roll < 0.6 {
        return text;
    }
    for _ in 0..rng.random_range(1..=4) {
        text.push(' ');
        text.push_str(&fill(CONTEXT.choose(rng).expect("templates"), topic, rng));
    }
    if roll > 0.9 {
        text.push_str("\n\nHere's what I have:\n\n");
        text.push_str(&pasted(topic, rng));
    }
    text
}

fn pasted(topic: &Topic, rng: &mut StdRng) -> String {
    match topic.lang {
        Some(lang) => {
            let mut block = format!("```{lang}\n");
            for _ in 0..rng.random_range(2..=6) {
                block.push_str(snippet(lang, rng));
                block.push('\n');
            }
            block.push_str("```");
            block
        }
        None => (0..rng.random_range(2..=5)).map(|_| paragraph(topic, rng)).collect::<Vec<_>>().join("\n\n"),
    }
}

const SENTENCES: &[&str] = &[
    "The short answer: {w} deserves more attention than it first seems to.",
    "A good way to think about {t} is to separate what you control from what you don't.",
    "Start with {w}: it is the part everything else depends on.",
    "Most problems with {w} come from trying to handle {o} at the same time.",
    "If you only change one thing, change how you handle {w}.",
    "There are two common approaches, and which one fits depends on how much {o} you expect.",
    "This is where people usually get stuck, so it's worth slowing down here.",
    "The trade-off is simplicity now against flexibility later.",
    "In practice, {w} and {o} pull in opposite directions, so decide which one wins when they conflict.",
    "You don't need to get this perfect the first time; make it easy to change instead.",
    "A useful check is to ask what happens when something goes wrong with {w} halfway through.",
    "Keep the first version small, measure it, and only then add {o}.",
    "The documentation undersells the effect of {w} on the result.",
    "That behaviour is expected: {o} comes into play before {w}, not after.",
    "It helps to write down the constraints before picking an option.",
    "For {t}, the boring option is usually the right one.",
    "Once that works, the rest of {t} gets much easier.",
    "If this is for a team, agree on {w} before anyone starts.",
    "The numbers here are rough, but the order of magnitude is what matters.",
    "I'd avoid {o} unless you have a specific reason for it.",
];

fn paragraph(topic: &Topic, rng: &mut StdRng) -> String {
    (0..rng.random_range(2..=5))
        .map(|_| fill(SENTENCES.choose(rng).expect("sentences"), topic, rng))
        .collect::<Vec<_>>()
        .join(" ")
}

const LIST_ITEMS: &[&str] = &[
    "**{W} first.** Everything else builds on it.",
    "**Keep {o} separate.** Mixing the two is the usual source of trouble.",
    "**Measure before changing {w}.** Guesses are often wrong.",
    "**Write it down.** A short note on {w} saves a long discussion later.",
    "**Plan for failure.** Decide what happens when {o} goes wrong.",
    "**Start small.** One change to {w} at a time.",
    "**Review after a week.** See whether {o} behaves as expected.",
];

fn list(topic: &Topic, rng: &mut StdRng) -> String {
    (1..=rng.random_range(3..=6))
        .map(|i| {
            let item = LIST_ITEMS.choose(rng).expect("items");
            let word = topic.words.choose(rng).copied().unwrap_or(topic.subject);
            format!("{i}. {}", fill(&item.replace("{W}", &capitalised(word)), topic, rng))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn snippet(lang: &str, rng: &mut StdRng) -> &'static str {
    let lines: &[&str] = match lang {
        "rust" => &[
            "fn first_word(text: &str) -> &str {\n    text.split_whitespace().next().unwrap_or(\"\")\n}",
            "let handle = tokio::spawn(async move {\n    worker.run().await\n});",
            "#[derive(Debug, Clone)]\nstruct Config {\n    name: String,\n    retries: u32,\n}",
            "match result {\n    Ok(value) => println!(\"{value}\"),\n    Err(err) => eprintln!(\"failed: {err}\"),\n}",
            "impl<'a> Parser<'a> {\n    fn new(input: &'a str) -> Self {\n        Self { input, pos: 0 }\n    }\n}",
        ],
        "sql" => &[
            "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id, created_at DESC);",
            "EXPLAIN (ANALYZE, BUFFERS)\nSELECT * FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20;",
            "SELECT status, count(*)\nFROM orders\nGROUP BY status\nHAVING count(*) > 100;",
        ],
        "tsx" | "typescript" => &[
            "const [state, dispatch] = useReducer(reducer, initialState);",
            "function first<T>(items: T[]): T | undefined {\n  return items[0];\n}",
            "export function useUser(id: string) {\n  return useQuery({ queryKey: ['user', id], queryFn: () => fetchUser(id) });\n}",
            "type Readonly<T> = { readonly [K in keyof T]: T[K] };",
        ],
        "python" => &[
            "df = df.dropna(subset=[\"email\"]).drop_duplicates(\"email\")",
            "def test_parse_empty():\n    assert parse(\"\") == []",
            "pattern = re.compile(r\"(?P<year>\\d{4})-(?P<month>\\d{2})\")",
            "totals = df.groupby(\"region\")[\"amount\"].sum().sort_values(ascending=False)",
        ],
        "yaml" => &[
            "readinessProbe:\n  httpGet:\n    path: /health\n    port: 8080\n  periodSeconds: 5",
            "resources:\n  requests:\n    cpu: 250m\n    memory: 256Mi\n  limits:\n    memory: 512Mi",
            "strategy:\n  type: RollingUpdate\n  rollingUpdate:\n    maxUnavailable: 0",
        ],
        "hcl" => &[
            "module \"network\" {\n  source = \"./modules/network\"\n  cidr   = var.cidr\n}",
            "variable \"region\" {\n  type    = string\n  default = \"eu-west-1\"\n}",
        ],
        "go" => &[
            "if err != nil {\n\treturn fmt.Errorf(\"load config: %w\", err)\n}",
            "g, ctx := errgroup.WithContext(ctx)\ng.Go(func() error { return fetch(ctx) })",
            "var ErrNotFound = errors.New(\"not found\")",
        ],
        "css" => &[
            ".grid {\n  display: grid;\n  grid-template-columns: repeat(auto-fill, minmax(240px, 1fr));\n  gap: 1rem;\n}",
            ".layout {\n  grid-template-areas: \"header header\" \"nav main\";\n}",
        ],
        "bash" => &[
            "set -euo pipefail\ntrap 'rm -rf \"$tmp\"' EXIT",
            "for file in \"${files[@]}\"; do\n  echo \"processing $file\"\ndone",
            "git rebase -i --autosquash origin/main",
        ],
        "json" => &[
            "{\n  \"PK\": \"USER#42\",\n  \"SK\": \"ORDER#2024-05-01#981\",\n  \"GSI1PK\": \"STATUS#shipped\"\n}",
            "{\n  \"TableName\": \"app\",\n  \"KeyConditionExpression\": \"PK = :pk AND begins_with(SK, :prefix)\"\n}",
        ],
        "dockerfile" => &[
            "FROM rust:1.80 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release",
            "FROM gcr.io/distroless/cc\nCOPY --from=build /src/target/release/app /app\nENTRYPOINT [\"/app\"]",
        ],
        "graphql" => &[
            "type Query {\n  orders(first: Int!, after: String): OrderConnection!\n}",
            "type Order {\n  id: ID!\n  customer: Customer!\n  total: Money!\n}",
        ],
        "swift" => &[
            "actor Counter {\n    private var value = 0\n    func increment() { value += 1 }\n}",
            "async let profile = api.profile()\nasync let feed = api.feed()\nlet (p, f) = try await (profile, feed)",
        ],
        _ => &["print(\"hello\")"],
    };
    lines.choose(rng).expect("snippets")
}

/// An answer: a sentence or two, a few paragraphs, or a long one with a list and, for
/// technical subjects, code.
pub fn answer(topic: &Topic, rng: &mut StdRng) -> String {
    let roll: f64 = rng.random();
    if roll < 0.15 {
        return (0..rng.random_range(1..=2))
            .map(|_| fill(SENTENCES.choose(rng).expect("sentences"), topic, rng))
            .collect::<Vec<_>>()
            .join(" ");
    }
    let long = roll > 0.7;
    let paragraphs = if long { rng.random_range(4..=9) } else { rng.random_range(2..=4) };
    let mut parts = Vec::with_capacity(paragraphs + 3);
    for i in 0..paragraphs {
        if long && i == 1 {
            parts.push(format!("## {}", capitalised(topic.words.choose(rng).expect("words"))));
        }
        parts.push(paragraph(topic, rng));
        if i == 1 && rng.random_bool(if long { 0.8 } else { 0.3 }) {
            parts.push(list(topic, rng));
        }
        if let Some(lang) = topic.lang {
            if i == paragraphs / 2 && rng.random_bool(if long { 0.9 } else { 0.4 }) {
                let lines: Vec<&str> = (0..rng.random_range(1..=3)).map(|_| snippet(lang, rng)).collect();
                parts.push(format!("```{lang}\n{}\n```", lines.join("\n\n")));
            }
        }
    }
    parts.join("\n\n")
}

/// A knowledge item of a project: a title and notes of a few paragraphs.
pub fn knowledge(topic: &Topic, rng: &mut StdRng) -> (String, String) {
    let kinds = ["Notes", "Requirements", "Meeting summary", "Glossary", "Decisions", "Checklist", "Style guide"];
    let title = format!("{} — {}", kinds.choose(rng).expect("kinds"), topic.subject);
    let mut parts: Vec<String> = (0..rng.random_range(1..=4)).map(|_| paragraph(topic, rng)).collect();
    if rng.random_bool(0.5) {
        parts.push(list(topic, rng));
    }
    (title, parts.join("\n\n"))
}

/// A project name and description.
pub fn project(topic: &Topic, rng: &mut StdRng) -> (String, String, String) {
    let names = ["{T}", "{T} project", "Learning {t}", "{T} (work)", "{T} research"];
    let name =
        names.choose(rng).expect("names").replace("{T}", &capitalised(topic.subject)).replace("{t}", topic.subject);
    let description = format!("Everything about {}: {}, {}.", topic.subject, topic.words[0], topic.words[1]);
    let instructions = fill(
        "Answer concisely. Assume I know the basics of {t}; focus on {w} and mention {o} only when it matters.",
        topic,
        rng,
    );
    (name, description, instructions)
}

const FACTS: &[(&str, &[&str])] = &[
    ("The user works as a backend engineer at a logistics company", &["work", "career"]),
    ("The user prefers concise answers with code examples", &["preferences", "style"]),
    ("The user lives in Berlin", &["personal", "location"]),
    ("The user is training for a marathon in the autumn", &["running", "goals"]),
    ("The user writes most services in Rust and some tooling in Python", &["rust", "python", "work"]),
    ("The user's team uses Postgres and DynamoDB", &["databases", "work"]),
    ("The user is learning Japanese with spaced repetition", &["learning", "japanese"]),
    ("The user has a sourdough starter called Bubbles", &["baking", "personal"]),
    ("The user wants explanations before solutions when learning something new", &["preferences", "learning"]),
    ("The user is planning a trip to Lisbon", &["travel"]),
    ("The user manages a team of four engineers", &["work", "management"]),
    ("The user dislikes long preambles", &["preferences", "style"]),
    ("The user is vegetarian", &["personal", "food"]),
    ("The user is buying a first flat", &["personal", "finance"]),
    ("The user deploys on Kubernetes with Terraform", &["kubernetes", "terraform", "work"]),
    ("The user likes to compare options in a table", &["preferences", "style"]),
    ("The user has two children", &["personal", "family"]),
    ("The user is preparing for a staff engineer interview", &["career", "goals"]),
    ("The user reads mostly non-fiction", &["books", "personal"]),
    ("The user's timezone is Central European Time", &["personal", "location"]),
];

const DETAILS: &[&str] = &[
    "",
    " since last year",
    ", mentioned several times",
    " and asked to keep it in mind",
    " (confirmed recently)",
    " according to a recent chat",
];

/// A memory's summary, its tags and what it was drawn from (the `n`th memory, learned
/// `at`: later ones restate earlier facts as of their day).
pub fn memory(n: usize, at: time::OffsetDateTime, rng: &mut StdRng) -> (String, Vec<String>, String) {
    let (fact, tags) = FACTS[n % FACTS.len()];
    let detail = DETAILS.choose(rng).expect("details");
    let summary = if n < FACTS.len() {
        format!("{fact}{detail}")
    } else {
        format!("{fact}{detail} (as of {} {}, {})", at.month(), at.day(), at.year())
    };
    let raw = format!("From a chat: \"{}\"", fact.replace("The user", "I").replace("The user's", "My"));
    let tags = tags.iter().filter(|_| rng.random_bool(0.8)).map(|t| t.to_string()).collect();
    (summary, tags, raw)
}

const SCREENS: &[&str] = &[
    "Sign-in screen",
    "Pricing page",
    "Account settings",
    "Checkout",
    "Empty state",
    "Dashboard overview",
    "Onboarding step",
    "Search results",
    "Profile page",
    "Notifications panel",
    "Order history",
    "Error page",
    "Team members list",
    "Billing details",
    "Feature announcement",
];

const STYLES: &[&str] = &["minimal", "playful", "dense", "dark", "editorial", "corporate"];

/// A prototype's name and the prompt it was generated from.
pub fn prototype(design: &str, rng: &mut StdRng) -> (String, String) {
    let screen = SCREENS.choose(rng).expect("screens");
    let style = STYLES.choose(rng).expect("styles");
    let name = format!("{screen} ({style})");
    let prompt = format!(
        "Design the {} for {design}. Keep it {style}, responsive, with clear hierarchy and accessible contrast.",
        screen.to_lowercase()
    );
    (name, prompt)
}

/// What an edit asked for.
pub fn edit_prompt(rng: &mut StdRng) -> String {
    let edits = [
        "Make the primary button more prominent",
        "Use a darker background and lighter text",
        "Add a testimonial section",
        "Tighten the spacing on mobile",
        "Replace the hero image with an illustration",
        "Move the navigation to a sidebar",
        "Add a FAQ at the bottom",
        "Use a serif font for headings",
    ];
    edits.choose(rng).expect("edits").to_string()
}

/// A prototype's page: a self-contained HTML document (as the model writes one).
pub fn page(name: &str, version: i64, rng: &mut StdRng) -> String {
    let hue = rng.random_range(0..360);
    let cards: String = (0..rng.random_range(3..=9))
        .map(|i| {
            format!(
                "      <article class=\"card\">\n        <h3>Item {}</h3>\n        <p>{}</p>\n        <a href=\"#\" class=\"link\">Learn more</a>\n      </article>\n",
                i + 1,
                SENTENCES.choose(rng).expect("sentences").replace("{t}", "this").replace("{w}", "it").replace("{o}", "the rest")
            )
        })
        .collect();
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{name}</title>
  <style>
    :root {{ --accent: hsl({hue} 70% 45%); --text: #1d1d1f; --muted: #6e6e73; }}
    * {{ box-sizing: border-box; }}
    body {{ margin: 0; font-family: system-ui, sans-serif; color: var(--text); background: #fafafa; }}
    header {{ display: flex; justify-content: space-between; align-items: center; padding: 1rem 2rem; background: #fff; border-bottom: 1px solid #eee; }}
    .hero {{ padding: 4rem 2rem; text-align: center; }}
    .hero h1 {{ font-size: clamp(2rem, 5vw, 3.5rem); margin: 0 0 1rem; }}
    .button {{ display: inline-block; padding: .75rem 1.5rem; border-radius: .5rem; background: var(--accent); color: #fff; text-decoration: none; }}
    .grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 1rem; padding: 2rem; }}
    .card {{ background: #fff; border-radius: .75rem; padding: 1.5rem; box-shadow: 0 1px 3px rgba(0,0,0,.08); }}
    .card p {{ color: var(--muted); }}
    footer {{ padding: 2rem; text-align: center; color: var(--muted); }}
  </style>
</head>
<body>
  <header>
    <strong>{name}</strong>
    <nav><a href="#">Home</a> · <a href="#">Features</a> · <a href="#">Pricing</a> · <a href="#">Contact</a></nav>
  </header>
  <main>
    <section class="hero">
      <h1>{name}</h1>
      <p>Version {version}. A prototype generated from a prompt and refined with edits.</p>
      <a class="button" href="#">Get started</a>
    </section>
    <section class="grid">
{cards}    </section>
  </main>
  <footer>© 2026 Example Inc.</footer>
</body>
</html>
"##
    )
}

/// A design project's name and description.
pub const DESIGNS: &[(&str, &str)] = &[
    ("Mobile banking app", "Screens of the banking app's redesign."),
    ("Marketing site", "Landing and pricing pages for the spring launch."),
    ("Admin dashboard", "Internal tools for the support team."),
    ("Onboarding flow", "First-run experience, from sign-up to the first project."),
    ("Design system", "Components and patterns, page by page."),
];

/// Group names of a design project.
pub const GROUPS: &[&str] = &["Explorations", "Approved", "Mobile", "Desktop", "Archive"];

/// People of the other seeded accounts.
pub const PEOPLE: &[(&str, &str)] = &[
    ("Grace", "Hopper"),
    ("Alan", "Turing"),
    ("Katherine", "Johnson"),
    ("Edsger", "Dijkstra"),
    ("Barbara", "Liskov"),
    ("Donald", "Knuth"),
    ("Margaret", "Hamilton"),
    ("Dennis", "Ritchie"),
    ("Frances", "Allen"),
    ("Ken", "Thompson"),
    ("Radia", "Perlman"),
    ("John", "McCarthy"),
    ("Sophie", "Wilson"),
    ("Niklaus", "Wirth"),
    ("Hedy", "Lamarr"),
    ("Tim", "Berners-Lee"),
    ("Annie", "Easley"),
    ("Guido", "van Rossum"),
    ("Mary", "Kenneth Keller"),
    ("Linus", "Torvalds"),
];

/// How sessions of the seeded accounts look (device and address).
pub const DEVICES: &[(&str, &str)] = &[
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15", "192.0.2.10"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36", "198.51.100.7"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148", "203.0.113.44"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "192.0.2.99"),
];

/// A system prompt some chats carry.
pub fn system_prompt(topic: &Topic) -> String {
    format!("You are helping with {}. Be direct and practical.", topic.subject)
}
