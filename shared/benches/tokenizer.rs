//! Load time and counting throughput of the Claude tokenizer: `cargo bench -p shared --bench tokenizer`.
//!
//! Inputs are ~1 MB each of English-like prose, Rust-like code and mixed chat text, generated
//! deterministically here (Zipf-distributed words with a long tail of made-up ones, so repetition
//! and rare words are both there). Throughput is counted against the plain `encode(text, false)`
//! and against `shared::tokens::count`, whose result must be the same.

use std::time::{Duration, Instant};

use tokenizers::Tokenizer;

static TOKENIZER_JSON: &[u8] = include_bytes!("../data/claude-tokenizer.json");

const INPUT_BYTES: usize = 1 << 20;
const RUNS: usize = 5;

fn main() {
    let published = || Tokenizer::from_bytes(TOKENIZER_JSON).expect("tokenizer parses");
    for (what, load) in [
        ("Tokenizer::from_bytes of the published JSON", &published as &dyn Fn() -> Tokenizer),
        ("shared::tokens::unpacked, the embedded packing", &shared::tokens::unpacked),
    ] {
        let mut loads: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                let tokenizer = load();
                let took = started.elapsed();
                drop(tokenizer);
                took
            })
            .collect();
        loads.sort();
        println!(
            "load ({what}): median {} of {RUNS} ({} .. {})",
            ms(loads[RUNS / 2]),
            ms(loads[0]),
            ms(loads[RUNS - 1])
        );
    }

    let tokenizer = Tokenizer::from_bytes(TOKENIZER_JSON).expect("tokenizer parses");
    shared::tokens::warm_up();
    shared::tokens::count("warm");
    println!("rayon threads: {}", tokenizers::parallelism::current_num_threads());
    println!(
        "{:<6} {:>8} {:>9} | {:>13} | {:>17} {:>17}",
        "input", "bytes", "tokens", "encode M tok/s", "count first M/s", "count median M/s"
    );

    for (name, text) in [
        ("prose", gen::prose(INPUT_BYTES)),
        ("rust", gen::rust_source(INPUT_BYTES)),
        ("mixed", gen::mixed(INPUT_BYTES)),
    ] {
        let (tokens, encode) = median(3, || tokenizer.encode(text.as_str(), false).expect("encodes").len());
        let started = Instant::now();
        let first = shared::tokens::count(&text) as usize;
        let first_time = started.elapsed();
        let (counted, count) = median(RUNS, || shared::tokens::count(&text) as usize);
        assert_eq!(first, tokens, "{name}: count differs from encode");
        assert_eq!(counted, tokens, "{name}: count differs from encode");
        println!(
            "{name:<6} {:>8} {tokens:>9} | {:>13.2} | {:>17.2} {:>17.2}",
            text.len(),
            rate(tokens, encode),
            rate(tokens, first_time),
            rate(tokens, count)
        );
    }
}

/// Runs `f` `runs` times; its (last) result and the median time.
fn median(runs: usize, mut f: impl FnMut() -> usize) -> (usize, Duration) {
    let mut result = 0;
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            result = std::hint::black_box(f());
            started.elapsed()
        })
        .collect();
    times.sort();
    (result, times[runs / 2])
}

fn rate(tokens: usize, took: Duration) -> f64 {
    tokens as f64 / took.as_secs_f64() / 1e6
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

mod gen {
    /// Deterministic inputs: a xorshift generator and Zipf-distributed vocabularies with a long
    /// tail of made-up words, so the counter sees the repetition and the rare words real text has.
    pub struct Rng(u64);

    impl Rng {
        pub fn new(seed: u64) -> Rng {
            Rng(seed | 1)
        }
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
        fn pick<T: Copy>(&mut self, items: &[T]) -> T {
            items[self.below(items.len())]
        }
    }

    const COMMON: &str = "the of and to a in is it you that he was for on are with as his they be at one have this \
    from or had by hot word but what some we can out other were all there when up use your how said an each she which \
    do their time if will way about many then them write would like so these her long make thing see him two has look \
    more day could go come did number sound no most people my over know water than call first who may down side been \
    now find any new work part take get place made live where after back little only round man year came show every \
    good me give our under name very through just form sentence great think say help low line differ turn cause much \
    mean before move right boy old too same tell does set three want air well also play small end put home read hand \
    port large spell add even land here must big high such follow act why ask men change went light kind off need \
    house picture try us again animal point mother world near build self earth father head stand own page should \
    country found answer school grow study still learn plant cover food sun four between state keep eye never last let \
    thought city tree cross farm hard start might story saw far sea draw left late run don't while press close night \
    real life few north open seem together next white children begin got walk example ease paper group always music \
    those both mark often letter until mile river car feet care second book carry took science eat room friend began \
    idea fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl usual young \
    ready above ever red list though feel talk bird soon body dog family direct pose leave song measure door product \
    black short numeral class wind question happen complete ship area half rock order fire south problem piece told \
    knew pass since top whole king space heard best hour better true during hundred five remember step early hold west \
    ground interest reach fast verb sing listen six table travel less morning ten simple several vowel toward war lay \
    against pattern slow center love person money serve appear road map rain rule govern pull cold notice voice unit \
    power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct able \
    pound done beauty drive stood contain front teach week final gave green oh quick develop ocean warm free minute \
    strong special mind behind clear tail produce fact street inch multiply nothing course stay wheel full force blue \
    object decide surface deep moon island foot system busy test record boat common gold possible plane stead dry \
    wonder laugh thousand ago ran check game shape equate miss brought heat snow tire bring yes distant fill east \
    paint language among";

    const SYLLABLES: &[&str] = &[
        "ka", "to", "ri", "mon", "ste", "lin", "gra", "vo", "pel", "dun", "sha", "ble", "tor", "qui", "ze", "mar",
        "cen", "dra", "fo", "lu", "nex", "pra", "sol", "thi", "ur", "vin", "wes", "yal", "bro", "cha", "ent", "ism",
        "tion",
    ];

    fn made_up_word(rng: &mut Rng) -> String {
        let syllables = 2 + rng.below(3);
        (0..syllables).map(|_| rng.pick(SYLLABLES)).collect()
    }

    /// Words ranked by frequency: the common ones first, then a long tail of made-up words.
    fn vocabulary(rng: &mut Rng, size: usize) -> Vec<String> {
        let mut words: Vec<String> = COMMON.split_whitespace().map(str::to_owned).collect();
        while words.len() < size {
            words.push(made_up_word(rng));
        }
        words
    }

    /// Samples ranks with probability proportional to 1 / (rank + 1).
    struct Zipf {
        cumulative: Vec<f64>,
    }

    impl Zipf {
        fn new(n: usize) -> Zipf {
            let mut total = 0.0;
            let cumulative = (0..n)
                .map(|r| {
                    total += 1.0 / (r as f64 + 1.0);
                    total
                })
                .collect();
            Zipf { cumulative }
        }
        fn sample(&self, rng: &mut Rng) -> usize {
            let total = *self.cumulative.last().unwrap();
            let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
            self.cumulative.partition_point(|&c| c < x).min(self.cumulative.len() - 1)
        }
    }

    fn capitalise(word: &str) -> String {
        let mut chars = word.chars();
        chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
    }

    fn sentence(rng: &mut Rng, words: &[String], zipf: &Zipf, out: &mut String) {
        let len = 6 + rng.below(18);
        for i in 0..len {
            let word = &words[zipf.sample(rng)];
            if i == 0 {
                out.push_str(&capitalise(word));
            } else {
                out.push(' ');
                if rng.chance(2) {
                    out.push_str(&format!("{}", rng.below(2030)));
                    out.push(' ');
                }
                if rng.chance(3) {
                    out.push('(');
                    out.push_str(word);
                    out.push(')');
                } else if rng.chance(2) {
                    out.push('"');
                    out.push_str(word);
                    out.push('"');
                } else {
                    out.push_str(word);
                }
            }
            if i + 1 < len && rng.chance(8) {
                out.push(if rng.chance(80) { ',' } else { ';' });
            }
        }
        out.push(rng.pick(&['.', '.', '.', '.', '?', '!']));
    }

    /// English-like prose in paragraphs.
    pub fn prose(bytes: usize) -> String {
        let mut rng = Rng::new(0x5eed_0001);
        let words = vocabulary(&mut rng, 30_000);
        let zipf = Zipf::new(words.len());
        let mut out = String::with_capacity(bytes + 1024);
        while out.len() < bytes {
            for _ in 0..3 + rng.below(5) {
                sentence(&mut rng, &words, &zipf, &mut out);
                out.push(' ');
            }
            out.pop();
            out.push_str("\n\n");
        }
        out
    }

    const KEYWORDS: &[&str] = &["let", "let mut", "if", "match", "for", "while", "return", "fn", "pub fn", "impl"];
    const TYPES: &[&str] = &["u32", "usize", "String", "&str", "Vec<u8>", "Option<u64>", "Result<(), Error>", "bool"];

    fn identifier(rng: &mut Rng, words: &[String], zipf: &Zipf) -> String {
        let parts = 1 + rng.below(3);
        (0..parts).map(|_| words[zipf.sample(rng)].replace('\'', "")).collect::<Vec<_>>().join("_")
    }

    fn type_name(rng: &mut Rng, words: &[String], zipf: &Zipf) -> String {
        let parts = 1 + rng.below(2);
        (0..parts).map(|_| capitalise(&words[zipf.sample(rng)].replace('\'', ""))).collect()
    }

    /// Rust-like source: structs, impls, functions with statements, comments and literals.
    pub fn rust_source(bytes: usize) -> String {
        let mut rng = Rng::new(0x5eed_0002);
        let words = vocabulary(&mut rng, 8_000);
        let zipf = Zipf::new(words.len());
        let word = |rng: &mut Rng| words[zipf.sample(rng)].clone();
        let mut out = String::with_capacity(bytes + 4096);
        while out.len() < bytes {
            let ty = type_name(&mut rng, &words, &zipf);
            out.push_str(&format!(
                "/// The {} of a {}.\n#[derive(Debug, Clone)]\npub struct {ty} {{\n",
                words[zipf.sample(&mut rng)],
                words[zipf.sample(&mut rng)]
            ));
            for _ in 0..1 + rng.below(5) {
                out.push_str(&format!("    pub {}: {},\n", identifier(&mut rng, &words, &zipf), rng.pick(TYPES)));
            }
            out.push_str(&format!("}}\n\nimpl {ty} {{\n"));
            for _ in 0..1 + rng.below(4) {
                let name = identifier(&mut rng, &words, &zipf);
                let arg = identifier(&mut rng, &words, &zipf);
                out.push_str(&format!(
                    "    pub fn {name}(&self, {arg}: {}) -> {} {{\n",
                    rng.pick(TYPES),
                    rng.pick(TYPES)
                ));
                for _ in 0..2 + rng.below(8) {
                    let a = identifier(&mut rng, &words, &zipf);
                    let b = identifier(&mut rng, &words, &zipf);
                    let statement = match rng.below(7) {
                        0 => {
                            let (x, y, z) = (word(&mut rng), word(&mut rng), word(&mut rng));
                            format!("// {x} {y} {z}")
                        }
                        1 => format!("let {a} = self.{b}.iter().map(|x| x + {}).collect::<Vec<_>>();", rng.below(1000)),
                        2 => {
                            let (limit, x, y) = (rng.below(100), word(&mut rng), word(&mut rng));
                            format!("if {a} > {limit} {{\n    return Err(Error::new(\"{x} {y}\"));\n}}")
                        }
                        3 => format!("for {a} in 0..{b}.len() {{\n    self.{b}[{a}] += {a} * {};\n}}", rng.below(64)),
                        4 => {
                            let ty = type_name(&mut rng, &words, &zipf);
                            format!("match {a} {{\n    Some(v) => v.{b}(),\n    None => {ty}::default(),\n}};")
                        }
                        5 => {
                            let keyword = rng.pick(KEYWORDS);
                            let (c, d) = (identifier(&mut rng, &words, &zipf), identifier(&mut rng, &words, &zipf));
                            format!("{keyword} {a} = {b}.{c}(&{d});")
                        }
                        _ => format!("assert_eq!({a}.{b}, 0x{:x});", rng.next() % 0xffff),
                    };
                    for line in statement.lines() {
                        out.push_str("        ");
                        out.push_str(line);
                        out.push('\n');
                    }
                }
                out.push_str("    }\n\n");
            }
            out.push_str("}\n\n");
        }
        out
    }

    const FOREIGN: &[&str] = &[
        "café",
        "naïve",
        "über",
        "Straße",
        "garçon",
        "déjà vu",
        "señor",
        "façade",
        "smörgåsbord",
        "Ångström",
        "niño",
        "coöperate",
        "élève",
        "Müller",
        "São Paulo",
        "Kraków",
        "Zürich",
        "œuvre",
    ];
    const CJK: &[&str] =
        &["日本語の文章です。", "这是一个中文句子。", "한국어 문장입니다.", "東京都", "漢字とかな", "数据库查询"];
    const SYMBOLS: &[&str] = &["—", "–", "…", "“", "”", "’", "€", "£", "°", "±", "→", "✓", "🙂", "🚀", "½", "©"];

    /// Chat-like mixed text: prose with accents, curly quotes, dashes, emoji and CJK; markdown;
    /// JSON; URLs; and fenced code.
    pub fn mixed(bytes: usize) -> String {
        let mut rng = Rng::new(0x5eed_0003);
        let words = vocabulary(&mut rng, 20_000);
        let zipf = Zipf::new(words.len());
        let mut out = String::with_capacity(bytes + 4096);
        while out.len() < bytes {
            match rng.below(6) {
                0 | 1 => {
                    let mut para = String::new();
                    sentence(&mut rng, &words, &zipf, &mut para);
                    for _ in 0..4 {
                        para.push(' ');
                        match rng.below(5) {
                            0 => para.push_str(rng.pick(FOREIGN)),
                            1 => para.push_str(rng.pick(CJK)),
                            2 => para.push_str(rng.pick(SYMBOLS)),
                            _ => para.push_str(&format!("“{}’s”", words[zipf.sample(&mut rng)])),
                        }
                        para.push(' ');
                        sentence(&mut rng, &words, &zipf, &mut para);
                    }
                    out.push_str(&para);
                    out.push_str("\n\n");
                }
                2 => {
                    out.push_str(&format!("## {}\n\n", capitalise(&words[zipf.sample(&mut rng)])));
                    for _ in 0..3 {
                        out.push_str(&format!(
                            "- **{}**: {} — see https://example.com/{}/{}?id={}\n",
                            words[zipf.sample(&mut rng)],
                            words[zipf.sample(&mut rng)],
                            words[zipf.sample(&mut rng)],
                            identifier(&mut rng, &words, &zipf),
                            rng.below(100_000)
                        ));
                    }
                    out.push('\n');
                }
                3 => {
                    out.push_str("```json\n{\n");
                    for _ in 0..4 {
                        out.push_str(&format!(
                            "  \"{}\": {{\"id\": {}, \"name\": \"{}\", \"ok\": true}},\n",
                            identifier(&mut rng, &words, &zipf),
                            rng.below(1 << 20),
                            rng.pick(FOREIGN)
                        ));
                    }
                    out.push_str("}\n```\n\n");
                }
                4 => {
                    out.push_str("```rust\n");
                    let code = rust_snippet(&mut rng, &words, &zipf);
                    out.push_str(&code);
                    out.push_str("```\n\n");
                }
                _ => {
                    for _ in 0..3 {
                        out.push_str(rng.pick(CJK));
                    }
                    out.push_str(&format!(" {} {}\n\n", rng.pick(SYMBOLS), rng.pick(FOREIGN)));
                }
            }
        }
        out
    }

    fn rust_snippet(rng: &mut Rng, words: &[String], zipf: &Zipf) -> String {
        let name = identifier(rng, words, zipf);
        let arg = identifier(rng, words, zipf);
        format!("fn {name}({arg}: &[u32]) -> u32 {{\n    {arg}.iter().filter(|v| **v > {}).sum()\n}}\n", rng.below(50))
    }
}
