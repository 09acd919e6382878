//! Update expressions built clause by clause. Every attribute goes through a name
//! placeholder (so reserved words such as `name`, `status` or `date` need no care),
//! and the names and values maps are only ever passed when they hold something:
//! DynamoDB refuses an empty `ExpressionAttributeValues` (or names) map, and an empty
//! update expression. An update with nothing to change builds nothing at all
//! ([`Changes::apply`] and [`Changes::build`] return `None`): the caller reads the
//! item instead of writing it.

use super::Item;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::BTreeMap;

/// The clauses of one update, with the names and values they (and the condition
/// that goes with them) use.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    set: Vec<String>,
    add: Vec<String>,
    remove: Vec<String>,
    names: BTreeMap<String, String>,
    values: Item,
}

/// The placeholder of an attribute name (attribute names here are ASCII identifiers).
fn name_placeholder(attribute: &str) -> String {
    debug_assert!(attribute.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{attribute}");
    format!("#{attribute}")
}

impl Changes {
    pub fn new() -> Self {
        Self::default()
    }

    fn placeholders(&mut self, attribute: &str, value: AttributeValue) -> (String, String) {
        let name = name_placeholder(attribute);
        let value_placeholder = format!(":{attribute}");
        self.names.insert(name.clone(), attribute.to_string());
        self.values.insert(value_placeholder.clone(), value);
        (name, value_placeholder)
    }

    /// `SET attribute = value`.
    pub fn set(mut self, attribute: &str, value: AttributeValue) -> Self {
        let (name, value) = self.placeholders(attribute, value);
        self.set.push(format!("{name} = {value}"));
        self
    }

    /// `ADD attribute value` (a number added, or a set joined).
    pub fn add(mut self, attribute: &str, value: AttributeValue) -> Self {
        let (name, value) = self.placeholders(attribute, value);
        self.add.push(format!("{name} {value}"));
        self
    }

    /// `REMOVE attribute`.
    pub fn remove(mut self, attribute: &str) -> Self {
        let name = name_placeholder(attribute);
        self.names.insert(name.clone(), attribute.to_string());
        self.remove.push(name);
        self
    }

    /// `SET` with a value, `REMOVE` without one.
    pub fn set_or_remove(self, attribute: &str, value: Option<AttributeValue>) -> Self {
        match value {
            Some(value) => self.set(attribute, value),
            None => self.remove(attribute),
        }
    }

    /// A value the condition refers to (e.g. `:expected`).
    pub fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.to_string(), value);
        self
    }

    /// An attribute name the condition refers to (e.g. `#status` for `status`).
    pub fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.names.insert(placeholder.to_string(), attribute.to_string());
        self
    }

    /// True when the update would change nothing.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.add.is_empty() && self.remove.is_empty()
    }

    /// The update expression; `None` when there is nothing to change.
    pub fn expression(&self) -> Option<String> {
        let clauses: Vec<String> = [("SET", &self.set), ("ADD", &self.add), ("REMOVE", &self.remove)]
            .into_iter()
            .filter(|(_, parts)| !parts.is_empty())
            .map(|(keyword, parts)| format!("{keyword} {}", parts.join(", ")))
            .collect();
        (!clauses.is_empty()).then(|| clauses.join(" "))
    }

    /// The expression, names and values on an `UpdateItem` (added to what the builder
    /// holds, e.g. a condition's values); `None` when there is nothing to change.
    pub fn apply(self, mut builder: UpdateItemFluentBuilder) -> Option<UpdateItemFluentBuilder> {
        builder = builder.update_expression(self.expression()?);
        for (placeholder, attribute) in self.names {
            builder = builder.expression_attribute_names(placeholder, attribute);
        }
        for (placeholder, value) in self.values {
            builder = builder.expression_attribute_values(placeholder, value);
        }
        Some(builder)
    }

    /// The same for a transaction's `Update`; `None` when there is nothing to change.
    pub fn build(self, mut builder: UpdateBuilder) -> Option<aws_sdk_dynamodb::types::Update> {
        builder = builder.update_expression(self.expression()?);
        for (placeholder, attribute) in self.names {
            builder = builder.expression_attribute_names(placeholder, attribute);
        }
        for (placeholder, value) in self.values {
            builder = builder.expression_attribute_values(placeholder, value);
        }
        Some(builder.build().expect("table, key and expression are set"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{n, s};

    #[test]
    fn nothing_to_change_builds_nothing() {
        let nothing = Changes::new().value(":expected", s("x")).name("#status", "status");
        assert!(nothing.is_empty());
        assert_eq!(nothing.expression(), None);
        let update = aws_sdk_dynamodb::types::Update::builder().table_name("t").key("PK", s("a"));
        assert!(nothing.build(update).is_none());
    }

    #[test]
    fn a_removal_alone_has_names_and_no_values() {
        let update = aws_sdk_dynamodb::types::Update::builder().table_name("t").key("PK", s("a"));
        let update = Changes::new().remove("avatar_file_id").build(update).unwrap();
        assert_eq!(update.update_expression(), "REMOVE #avatar_file_id");
        assert_eq!(update.expression_attribute_values(), None, "no empty values map");
        assert_eq!(update.expression_attribute_names().unwrap()["#avatar_file_id"], "avatar_file_id");
    }

    #[test]
    fn clauses_in_order_with_every_placeholder() {
        let changes = Changes::new()
            .set("name", s("n"))
            .add("count", n(1))
            .set_or_remove("stop_reason", None)
            .set_or_remove("model", Some(s("m")))
            .value(":seen", s("t"));
        assert_eq!(
            changes.expression().unwrap(),
            "SET #name = :name, #model = :model ADD #count :count REMOVE #stop_reason"
        );
        let update = aws_sdk_dynamodb::types::Update::builder().table_name("t").key("PK", s("a"));
        let update = changes.build(update).unwrap();
        let values = update.expression_attribute_values().unwrap();
        assert_eq!(values.len(), 4);
        assert!(values.contains_key(":seen"));
        assert_eq!(update.expression_attribute_names().unwrap().len(), 4);
    }
}
