# myclaude — the two commands that matter: `make dev` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

help:
	@echo "make dev        start the whole local stack (emulator + API on :3000 + workers)"
	@echo "make test       run every test (starts its own emulator), cfn-lint included"
	@echo "make mail       print the emails the local stack has sent"
	@echo "make template   regenerate template.yaml from the route table"
	@echo "make lint       cargo fmt --check + clippy -D warnings"
	@echo "make build-lambda  the arm64 bootstrap every function runs (cargo-lambda, Zig from .venv), zipped, with its size"
	@echo "make deploy PARAMS=\"…\"  build-lambda, then sam deploy with samconfig.toml (docs/deploy.md)"
	@echo "make bench         chat stream latency and DynamoDB round trips, tokenizer load and throughput"
	@echo "make bench-login   known vs unknown email timing: login, register, reset, resend (optimised build)"
	@echo "make bench-coldstart  init, first byte and done of a fresh release bootstrap (health, chats-list, chat-stream)"
	@echo "make fuzz-api      Schemathesis over every route with many more examples than make test"
	@echo "make seed-dev      fill the running make dev stack with a heavy account (prints its login)"
	@echo "make bench-local   p50/p90 of chat lists, messages, memories and first delta on the seeded make dev stack"
	@echo "make bench-import  a generated 50 MB ChatGPT export through POST /import: time and the worker's peak RSS"
	@echo "make admin ARGS=\"…\"  the operator CLI (myclaude-admin) against the make dev stack; ARGS=--help for its commands"

dev:
	@bash infra/dev.sh

test:
	@bash scripts/test.sh

mail:
	@bash infra/mail.sh

template:
	cargo run -q -p local-stack --bin local -- template > template.yaml

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

build-lambda:
	@bash infra/build-lambda.sh

# sam deploy with samconfig.toml; PARAMS="FrontendUrl=https://… MailDomain=…" overrides parameters.
deploy: build-lambda
	@bash infra/deploy.sh $(PARAMS)

bench:
	@bash scripts/bench.sh chat tokenizer

bench-login:
	@bash scripts/bench.sh login

bench-coldstart:
	@bash scripts/bench.sh coldstart

fuzz-api:
	@bash scripts/fuzz-api.sh

seed-dev:
	@bash infra/seed-dev.sh

# The operator CLI against `make dev`'s stack: make admin ARGS="--help"
admin:
	@bash infra/admin.sh $(ARGS)

bench-local:
	@bash scripts/bench.sh local

bench-import:
	@bash scripts/bench.sh import

.PHONY: help dev test mail template lint build-lambda deploy bench bench-login bench-coldstart fuzz-api seed-dev bench-local bench-import admin
