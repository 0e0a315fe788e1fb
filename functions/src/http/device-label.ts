// The device of a new session, for the list of signed-in devices (domain/devices.ts): the name the
// app sent (`device_name`: FlutterFlow can send the platform and model), else a short label made
// from the User-Agent by ua-parser-js ("Chrome on Windows", "Mobile Safari on iPhone"). A
// FlutterFlow app on a phone sends Dart's own User-Agent (`Dart/3.5 (dart:io)`), which names no
// device: "Flutter app" then, and the guide asks builders to send device_name.
import { UAParser } from "ua-parser-js";
import { UNKNOWN_DEVICE } from "../domain/model.js";

/** Longest label kept from a User-Agent. */
const MAX_LABEL = 64;

/** A label from the User-Agent header; UNKNOWN_DEVICE when there is none worth showing. */
export function userAgentLabel(userAgent: string | undefined): string {
  const ua = (userAgent ?? "").trim();
  if (ua === "") return UNKNOWN_DEVICE;
  if (/^Dart\//.test(ua)) return "Flutter app";
  const { browser, os, device } = new UAParser(ua).getResult();
  const where = device.model ?? os.name;
  const label = browser.name !== undefined && where !== undefined ? `${browser.name} on ${where}` : (browser.name ?? where);
  // Not a browser or a known system: the product's name (`okhttp`, `PostmanRuntime`), printable only.
  const shown = label ?? /^[A-Za-z][A-Za-z0-9._ -]*/.exec(ua.split("/")[0] ?? "")?.[0];
  return shown === undefined || shown.trim() === "" ? UNKNOWN_DEVICE : shown.trim().slice(0, MAX_LABEL);
}

/** The device of a new session: `deviceName` when the app sent one ("" is none), else the User-Agent's label. */
export function deviceOf(deviceName: string | undefined, userAgent: string | undefined): string {
  const name = deviceName?.trim() ?? "";
  return name === "" ? userAgentLabel(userAgent) : name;
}
