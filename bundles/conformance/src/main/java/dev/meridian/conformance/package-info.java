/**
 * The provider conformance kit (not exported): {@link dev.meridian.conformance.ConformanceKit} runs the checks of
 * {@code ContractChecks}, {@code WireChecks} and {@code LifecycleChecks} against the bundle named on the command line
 * of {@code runtime/bin/meridian-conformance}, configured by {@code Subject}, watched by {@code Recorder} and
 * {@code Evidence}, over the fake server's {@code KitWire}.
 */
package dev.meridian.conformance;
