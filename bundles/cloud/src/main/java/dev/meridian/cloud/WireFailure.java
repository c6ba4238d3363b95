package dev.meridian.cloud;

import dev.meridian.api.ModelException;

/** A failed exchange: the error in the API's taxonomy, and whether the same provider may be asked again. */
public record WireFailure(ModelException error, boolean retryable) {
}
