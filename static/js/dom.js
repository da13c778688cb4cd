// The one small helper for making elements. Text only through textContent.

/** A new element with an optional class name and text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Write a node's text only when it differs. Writing textContent replaces the text node even
 * with the same words, and the browser then lays the page out again: on every live answer,
 * for a line that did not change, that is most of what an answer costs to show.
 */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Set an attribute only when it differs (an attribute written is a style check, even unchanged). */
export function setAttr(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}
