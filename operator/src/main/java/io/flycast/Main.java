package io.flycast;

/** Entry point of the Flycast operator and proxy. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println("flycast");
  }
}
