# auditlog.fleet: make lab (see it work), make test (test it). Run as root on Debian 12.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
SCAN_BIN := build/scan-venv/bin
COLLECTION_LINK := build/collections/ansible_collections/auditlog/fleet
# promtool checks the alert rules and the metrics files; taken from Debian's prometheus
# package without installing it (which would start a Prometheus server).
PROMTOOL := build/prometheus/usr/bin/promtool
SANITY_ROOT := build/sanity/ansible_collections/auditlog/fleet
BENCH_BIN := build/bench-venv/bin
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_FORCE_COLOR := 0

.PHONY: help deps host-deps venv images vm-images lab lab-down test unit lint sanity molecule molecule-chain-1 molecule-chain-2 bench bench-signing clean

help:
	@echo "make lab       start the lab fleet, deploy it, prove delivery (make lab-down removes it)"
	@echo "make test      unit tests, ansible-lint, ansible-test sanity, Molecule"
	@echo "make bench     throughput, outage recovery, converge time and certificate issuance, each"
	@echo "               against a reference; rewrites docs/benchmarks.md and its plots (about an hour)"
	@echo "make bench-signing   certificate issuance for 1,000 hosts against a bare cryptography loop"

deps: host-deps venv $(SCAN_BIN)/.installed $(COLLECTION_LINK) $(PROMTOOL)

host-deps:
	@bash tests/lab/podman-setup.sh
	@command -v rsyslogd >/dev/null && command -v rsync >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsyslog rsync >/dev/null; }
	@command -v qemu-system-x86_64 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null; }

venv: $(BIN)/.installed

$(BIN)/.installed: requirements/test.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/test.txt
	touch $@

$(SCAN_BIN)/.installed: requirements/scan.txt
	python3 -m venv build/scan-venv
	$(SCAN_BIN)/pip install --quiet --disable-pip-version-check -r requirements/scan.txt
	touch $@

$(PROMTOOL):
	rm -rf build/prometheus-deb && mkdir -p build/prometheus-deb
	cd build/prometheus-deb && { apt-get download prometheus 2>/dev/null || { apt-get update -qq && apt-get download prometheus; }; }
	dpkg-deb -x build/prometheus-deb/prometheus_*.deb build/prometheus
	rm -f build/prometheus/usr/bin/prometheus
	rm -rf build/prometheus-deb
	touch $@

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

images: host-deps
	bash tests/lab/build-image.sh bookworm localhost/auditlog-debian12
	bash tests/lab/build-image.sh trixie localhost/auditlog-debian13

# The auditd scenario's virtual machines, from the images above (tests/vm/).
vm-images: images
	bash tests/vm/build-vm-image.sh localhost/auditlog-debian12:latest build/vm/debian12
	bash tests/vm/build-vm-image.sh localhost/auditlog-debian13:latest build/vm/debian13

lab: deps
	PATH=$(CURDIR)/$(BIN):$$PATH bash tests/lab/lab.sh up

lab-down:
	bash tests/lab/lab.sh down

# The images are built (mostly downloads) while unit, lint and sanity run.
test: deps
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target images unit lint sanity
	$(MAKE) --no-print-directory molecule

unit: deps
	$(BIN)/python -m pytest -q tests/unit
	$(PROMTOOL) check rules roles/syslog_server/files/prometheus/auditlog-alerts.yml
	$(PROMTOOL) test rules tests/prometheus/auditlog-alerts.test.yml

lint: deps
	$(BIN)/ansible-lint --profile production

sanity: deps
	rm -rf build/sanity
	mkdir -p $(SANITY_ROOT)
	git ls-files -z --cached --others --exclude-standard | grep -zv '^tests/output/' | xargs -0 cp --parents -t $(SANITY_ROOT)
	# ansible-test lists files with git; inside this checkout build/ is ignored, so the copy gets its own index.
	cd $(SANITY_ROOT) && git init -q && git add -A
	bash tests/sanity/prepare-pip-bootstrap.sh $(BIN)/python
	cd $(SANITY_ROOT) && PATH=$(CURDIR)/$(BIN):$$PATH ansible-test sanity --requirements --python 3.11 --color no

# The scenarios run in two chains side by side (their containers and networks are apart),
# which CI's measured times balance: the default scenario; the auditd scenario, whose virtual
# machines cost the most CPU, then every other scenario, so that a new one is never left
# out. Each chain prints its output when it ends, and if either failed, what failed is
# printed again last.
MOLECULE := PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/molecule
MOLECULE_LOGS := build/molecule-logs
SCENARIOS := $(patsubst molecule/%/molecule.yml,%,$(wildcard molecule/*/molecule.yml))
MOLECULE_CHAIN_1 := default
MOLECULE_CHAIN_2 := auditd $(filter-out $(MOLECULE_CHAIN_1) auditd,$(SCENARIOS))
molecule: deps images
	rm -rf $(MOLECULE_LOGS) && mkdir -p $(MOLECULE_LOGS)
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target --keep-going molecule-chain-1 molecule-chain-2 \
		|| { bash tests/molecule-failures.sh $(MOLECULE_LOGS); exit 1; }

molecule-chain-1 molecule-chain-2: molecule-chain-%:
	set -eo pipefail; mkdir -p $(MOLECULE_LOGS); for scenario in $(MOLECULE_CHAIN_$*); do \
		$(MOLECULE) test --scenario-name $$scenario 2>&1 | tee $(MOLECULE_LOGS)/$$scenario.log; done

# The virtual machines are built while the first chain sets its containers up.
molecule-chain-2: vm-images

$(BENCH_BIN)/.installed: requirements/bench.txt
	python3 -m venv build/bench-venv
	$(BENCH_BIN)/pip install --quiet --disable-pip-version-check -r requirements/bench.txt
	touch $@

# Not part of make test. Runs every measure, then writes the report even when one of them
# failed; fails if the collection lost a message or a re-run of site.yml changed anything.
bench: deps images $(BENCH_BIN)/.installed
	mkdir -p build/bench
	status=0; \
	$(BIN)/python benchmarks/signing.py --hosts 1000 --repeat 5 --output build/bench/signing.json || status=1; \
	$(BIN)/python benchmarks/pipeline.py --output build/bench/pipeline.json || status=1; \
	$(BIN)/python benchmarks/converge.py --output build/bench/converge.json || status=1; \
	$(BENCH_BIN)/python benchmarks/report.py --results build/bench --docs docs; \
	exit $$status

# Prints the issuance table alone.
bench-signing: deps
	$(BIN)/python benchmarks/signing.py --hosts 1000 --repeat 5

clean: lab-down
	rm -rf build $(VENV)
