/** Helpers shared by the vtep4j modules; not API, subject to change without notice. */
package io.vtep4j.encap.internal;
