package io.vtep4j.examples;

/** Entry point of the vtep4j command; subcommands arrive with their issues. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("vtep4j");
    }
}
