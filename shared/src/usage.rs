//! `GET /usage`: the tokens the models reported for the user's messages, per day and
//! per model.

use crate::chat::api::{DayUsage, ModelUsage, UsageReport, UsageTotal};
use crate::domain::Validator;
use crate::error::ApiResult;
use crate::store::usage;
use crate::Deps;
use std::collections::BTreeMap;
use time::macros::format_description;
use time::{Date, Duration};
use uuid::Uuid;

/// Days a report covers when `from` is not given (ending today).
pub const DEFAULT_DAYS: i64 = 30;
/// The longest range one report covers.
pub const MAX_DAYS: i64 = 366;

fn parse_date(raw: &str) -> Result<Date, String> {
    Date::parse(raw, format_description!("[year]-[month]-[day]"))
        .ok()
        .filter(|d| (2000..=9999).contains(&d.year()))
        .ok_or_else(|| "Must be a date as YYYY-MM-DD (from the year 2000).".into())
}

/// The query of `GET /usage`.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// First day, YYYY-MM-DD (default: 29 days before `to`)
    #[serde(default, deserialize_with = "date")]
    #[param(value_type = Option<time::Date>)]
    pub from: Option<Date>,
    /// Last day, YYYY-MM-DD (default: today, UTC)
    #[serde(default, deserialize_with = "date")]
    #[param(value_type = Option<time::Date>)]
    pub to: Option<Date>,
}

fn date<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
    let raw = <String as serde::Deserialize>::deserialize(deserializer)?;
    parse_date(&raw).map(Some).map_err(serde::de::Error::custom)
}

pub async fn report(deps: &Deps, owner: Uuid, query: UsageQuery) -> ApiResult<UsageReport> {
    let mut v = Validator::default();
    let today = deps.clock.now().date();
    let to = query.to.unwrap_or(today);
    let from = query.from.or_else(|| to.checked_sub(Duration::days(DEFAULT_DAYS - 1)));
    if let (Some(from), to) = (from, to) {
        if from > to {
            v.add("from", "Must not be after `to`.");
        } else if (to - from).whole_days() + 1 > MAX_DAYS {
            v.add("from", format!("A report covers at most {MAX_DAYS} days."));
        }
    }
    v.finish()?;
    let from = from.unwrap_or(to);
    let items = usage::of_days(&deps.table, owner, from, to).await?;
    let mut days: BTreeMap<String, DayUsage> = BTreeMap::new();
    let mut day = from;
    while day <= to {
        let date = day.to_string();
        days.insert(date.clone(), DayUsage { date, input_tokens: 0, output_tokens: 0, requests: 0 });
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    let mut by_model: BTreeMap<String, ModelUsage> = BTreeMap::new();
    let mut total = UsageTotal::default();
    for item in items {
        if let Some(day) = item.date.as_ref().and_then(|d| days.get_mut(d)) {
            day.input_tokens += item.input_tokens;
            day.output_tokens += item.output_tokens;
            day.requests += item.requests;
        }
        let model = by_model.entry(item.model).or_default();
        model.input_tokens += item.input_tokens;
        model.output_tokens += item.output_tokens;
        model.requests += item.requests;
        total.input_tokens += item.input_tokens;
        total.output_tokens += item.output_tokens;
        total.requests += item.requests;
    }
    total.total_tokens = total.input_tokens + total.output_tokens;
    Ok(UsageReport { from: from.to_string(), to: to.to_string(), days: days.into_values().collect(), total, by_model })
}
