"""The transcript page's stylesheet, inlined so the page is one self-contained file."""

from __future__ import annotations

CSS = """
*{box-sizing:border-box}
body{margin:0;display:flex;height:100vh;font:15px/1.46 -apple-system,"Segoe UI",Roboto,
 "Helvetica Neue",Arial,"Noto Color Emoji",sans-serif;color:#1d1c1d;background:#fff}
nav{width:260px;flex:none;overflow-y:auto;background:#3f0e40;color:#cfc3cf;padding:12px 0}
nav .team{color:#fff;font-weight:700;font-size:18px;padding:4px 16px 12px;
 border-bottom:1px solid #5d2c5d}
nav h2{font-size:13px;font-weight:600;margin:16px 16px 4px;color:#bcabbc}
nav a{display:block;padding:3px 16px 3px 26px;color:#cfc3cf;text-decoration:none;
 white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
nav a:hover{background:#350d36;color:#fff}
nav .notes{margin:20px 0 0;padding:12px 16px 0 30px;border-top:1px solid #5d2c5d;
 font-size:12px;color:#bcabbc}
nav .notes li{margin-bottom:4px}
main{flex:1;overflow:hidden;position:relative}
.view{display:none;height:100%;overflow-y:auto}
.view:target,.view.default{display:block}
.view:target~.view.default{display:none}
.view header{position:sticky;top:0;background:#fff;z-index:1;font-weight:700;font-size:18px;
 padding:14px 20px;border-bottom:1px solid #e2e2e2}
.log{padding:8px 0 40px}
.day{text-align:center;margin:18px 0 6px;border-top:1px solid #e2e2e2;height:0}
.day span{position:relative;top:-12px;background:#fff;border:1px solid #e2e2e2;
 border-radius:24px;padding:2px 14px;font-size:13px;font-weight:700}
.msg{display:flex;gap:10px;padding:8px 20px}
.msg:hover{background:#f8f8f8}
.avatar{flex:none;width:36px;height:36px;border-radius:6px;color:#fff;font-weight:700;
 font-size:14px;display:flex;align-items:center;justify-content:center}
.content{min-width:0;flex:1}
.meta b{font-weight:900}
.meta time{color:#616061;font-size:12px;margin-left:4px}
.app{background:#e8e8e8;color:#616061;font-size:10px;font-weight:700;padding:1px 3px;
 border-radius:2px;vertical-align:1px}
.only{color:#616061;font-size:12px}
.ephemeral{background:#f4f9fd}
.command .typed{font-family:Menlo,Consolas,monospace;font-size:13px;color:#454245}
.command{opacity:.85}
.section{margin:2px 0;word-wrap:break-word}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin:4px 0}
.context{color:#616061;font-size:12.5px;margin:4px 0}
.header{font-weight:900;font-size:17px;margin:4px 0}
blockquote{margin:4px 0;padding:0 0 0 12px;border-left:4px solid #dddddd}
code{font-family:Menlo,Consolas,monospace;font-size:12px;color:#c01343;background:#f6f6f6;
 border:1px solid #e2e2e2;border-radius:3px;padding:1px 3px}
.mention{color:#1264a3;background:#e8f5fa;border-radius:3px;padding:0 2px}
.button{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:2px 12px;
 margin:4px 6px 0 0;font-weight:700;font-size:13px}
.button.primary{background:#007a5a;color:#fff;border-color:#007a5a}
.button.danger{color:#e01e5a;border-color:#e01e5a}
.input label{font-weight:700;display:block}
.input{margin:8px 0}
.input .box{border:1px solid #bbb;border-radius:4px;min-height:32px;margin-top:4px;
 padding:5px 8px;white-space:pre-wrap}
.modal{border:1px solid #ddd;border-radius:8px;max-width:520px;padding:12px 16px;margin:4px 0;
 box-shadow:0 4px 12px rgba(0,0,0,.12);background:#fff}
.home{border:1px solid #ddd;border-radius:8px;max-width:640px;padding:12px 16px;margin:4px 0;
 background:#fff}
.modal-title{font-weight:900;font-size:17px;margin-bottom:6px}
.modal-foot{text-align:right;border-top:1px solid #e2e2e2;margin-top:10px;padding-top:6px}
nav h2.group{color:#f2c744;border-top:1px solid #5d2c5d;padding-top:14px}
hr{border:0;border-top:1px solid #e2e2e2}
nav h2.teams{color:#c5c7f0;border-top:1px solid #5d2c5d;padding-top:14px}
.view.teams header{border-top:3px solid #6264a7}
.event{text-align:center;color:#616061;font-size:13px;margin:10px 20px}
.msg.reply{margin-left:46px;border-left:2px solid #e2e2e2}
.card{border:1px solid #e1dfdd;border-radius:6px;padding:8px 14px;margin:4px 0;
 max-width:640px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.tb{margin:3px 0;word-wrap:break-word}
.tb.bold{font-weight:700}
.tb.medium{font-size:17px}
.tb.large{font-size:20px}
.tb.small{font-size:12.5px}
.tb.subtle{color:#616061}
.tb.good{color:#237b4b}
.tb.warning{color:#835c00}
.tb.attention{color:#c4314b}
.tb.accent{color:#6264a7}
.container{margin:4px 0}
.container.emphasis{background:#f5f5f5;border-radius:4px;padding:4px 10px}
.columns{display:flex;gap:12px}
.facts{border-collapse:collapse;margin:4px 0}
.facts th{text-align:left;font-weight:700;padding:1px 16px 1px 0;vertical-align:top}
.facts td{padding:1px 0}
.card-image{display:block;width:100%;max-width:640px;margin:6px 0;border:1px solid #e2e2e2;
 border-radius:4px}
.teams .button.primary{background:#6264a7;border-color:#6264a7}
@media (max-width:700px){nav{display:none}}
"""
