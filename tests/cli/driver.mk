# driver.mk - extra targets for the CLI tests, read after the project's
# Makefile so that they build with exactly its flags (and SANITIZE):
#
#   make -f Makefile -f tests/cli/driver.mk BUILD=build-cli cli-driver
#   make -f Makefile -f tests/cli/driver.mk BUILD=build-cli cli-unit
#
# Both link only the layers the CLI uses (cli, common, generated code).

CLI_DRIVER := $(BUILD)/tests/cli_driver
CLI_UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_cli_*.c))
CLI_LINK := $(cli_LIB) $(common_LIB) $(BUILD)/libgen.a

.PHONY: cli-driver cli-unit

cli-driver: $(CLI_DRIVER)

$(CLI_DRIVER): tests/cli/cli_driver.c $(CLI_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CLI_LINK) $(LIBS)

# A narrower pattern than the Makefile's: make prefers it for test_cli_*.
$(BUILD)/tests/test_cli_%: tests/unit/test_cli_%.c $(CLI_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CLI_LINK) $(LIBS) -lcmocka

cli-unit: $(CLI_UNIT_BIN)
	@set -e; for t in $(CLI_UNIT_BIN); do echo "== $$t"; $$t; done
