package dev.meridian.cloud;

import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;

import org.osgi.annotation.versioning.ConsumerType;

import dev.meridian.api.ChatRequest;

/**
 * One cloud API's wire format, as a provider implements it for {@link CloudStreamer}.
 */
@ConsumerType
public interface WireDialect {

    /** The HTTP request that streams {@code request} (URI, headers with the credential, JSON body). */
    HttpRequest request(ChatRequest request);

    /** A decoder for the events of one 200 stream. */
    StreamDecoder decoder();

    /** The failure a non-200 response stands for; {@code body} is at most the first 64 KiB. */
    WireFailure error(int status, HttpHeaders headers, String body);
}
