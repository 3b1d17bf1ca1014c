# Flycast — kubebuilder-style targets. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Find a JDK >= 21 without any environment set: $JAVA_HOME if it is one, else the newest under
# /usr/lib/jvm. The default `java` on these machines is 17, which cannot build this project.
JAVA_HOME := $(shell ./hack/find-jdk.sh)
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(CURDIR)/.tools/bin:$(PATH)

MVN ?= mvn -B -ntp
JAR := local/target/flycast-local.jar
RUN_ARGS ?=

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n\n"} /^[a-zA-Z0-9_-]+:.*##/ { printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

.PHONY: build
build: ## Compile and package the jars (no tests): operator/target/flycast-operator.jar (the image's), local/target/flycast-local.jar (make run's)
	$(MVN) -q package -DskipTests -pl local -am

# make run's jar: the quick build (-Dquick: no tests compiled, no Error Prone or format check,
# no operator image jar). make test and make lint check what it skips.
$(JAR): $(shell find operator/src embedded/src local/src crds -type f 2>/dev/null) */pom.xml pom.xml
	$(MVN) -q package -Dquick -pl local -am

.PHONY: tools
tools: ## Install test tools (helm, kubectl, dig, postgresql) into .tools/ and the system
	./hack/install-tools.sh

.PHONY: test
test: tools ## Run every test: unit, integration (embedded API), chart and e2e
	$(MVN) verify

.PHONY: unit
unit: ## Run the unit tests only (no ITs, no e2e): the fast loop, about a minute
	$(MVN) test -pl local -am

.PHONY: fmt
fmt: ## Format every Java source (google-java-format through Spotless; make test checks it)
	$(MVN) -q spotless:apply

.PHONY: lint
lint: ## Check the formatting and compile everything with Error Prone, without running tests
	$(MVN) -q spotless:check test-compile

.PHONY: e2e
e2e: tools ## Run only the end-to-end suite against the packaged jar (E2E_KUBECONFIG=... adds a real cluster)
	$(MVN) verify -pl e2e -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dit.test='*E2E' -Dfailsafe.failIfNoSpecifiedTests=false

.PHONY: run
run: $(JAR) ## Start embedded mode (in-process API, operator, proxy); KUBECONFIG=... runs against that cluster
	./hack/run.sh $(RUN_ARGS)

.PHONY: manifests
manifests: ## Regenerate crds/ (and the chart's copy) from the Java model
	$(MVN) -q process-classes -pl operator -am
	cp operator/target/classes/META-INF/fabric8/exposedservices.fly.io-v1.yml crds/
	cp operator/target/classes/META-INF/fabric8/flycastips.fly.io-v1.yml crds/
	./charts/sync-crds.sh

.PHONY: bench
bench: $(JAR) ## Run the benchmarks (BENCH=all|control|proxy|cache|tcp|tls|scale|coldstart; see docs/benchmarks.md)
	./hack/bench.sh

.PHONY: clean
clean: ## Remove build outputs and the embedded state dir
	$(MVN) -q clean
	rm -rf .flycast
