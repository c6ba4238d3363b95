package dev.meridian.test.cloud;

import java.io.IOException;

/** How the fake server answers one request. */
@FunctionalInterface
public interface Scenario {
    void answer(Exchange exchange) throws IOException;
}
