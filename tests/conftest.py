pytest_plugins = ["tests.support.httpserver"]
