//! Filter lists in Adblock Plus syntax (EasyPrivacy, EasyList) through Brave's `adblock` crate (stub).
