run:
	./run.sh

test:
	./test.sh

ci:
	bash .ci/run

.PHONY: run test ci
