"""The gateway's test suite; a package so that no installed "tests" shadows it."""
